import { useState } from 'preact/hooks';
import { fetchKeyIdentity } from '../api';
import type { KeyIdentity } from '../session';
import { asApiError } from '../use-api';

/** Asks for an API key, checks it with the API, and keeps it for this browser tab only. */
export function SignIn({ message, onSignedIn }: { message: string | null; onSignedIn: (key: string, identity: KeyIdentity) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError('Enter an API key.');
    setBusy(true);
    setError(null);
    try {
      onSignedIn(trimmed, await fetchKeyIdentity(trimmed));
    } catch (caught) {
      setError(asApiError(caught).message);
    } finally {
      setBusy(false);
    }
  };
  const shown = error ?? message;
  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <h1>Partner Attribution</h1>
        <p id="sign-in-help">
          Sign in with an API key. The first start of the service printed an admin key and saved it in <code>.env.local</code> as <code>API_KEY</code>. A
          partner's own key opens that partner's portal.
        </p>
        {shown && (
          <p class="error" role="alert" id="sign-in-error">
            {shown}
          </p>
        )}
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="sk_…"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? 'sign-in-error' : undefined}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p class="hint">The key is kept in this tab's session storage only, and forgotten when the tab closes or you sign out.</p>
      </form>
    </main>
  );
}
