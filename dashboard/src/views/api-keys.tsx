import { useState } from 'preact/hooks';
import { send, type ApiError } from '../api';
import { DataTable, ErrorNote, Panel } from '../components';
import { formatDateTime, TIME_ZONE } from '../format';
import type { ApiKey, Page } from '../types';
import { asApiError, useApi } from '../use-api';

const SCOPES = ['read', 'write', 'admin'] as const;

/** Admin: list, create (the secret shown once) and revoke API keys. */
export function ApiKeysView() {
  const keys = useApi<Page<ApiKey>>('/api-keys?limit=1000');
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const [revokeError, setRevokeError] = useState<ApiError | null>(null);
  const revoke = async (key: ApiKey) => {
    if (!window.confirm(`Revoke "${key.name}" (${key.prefix}…)? It stops working at once.`)) return;
    setRevokeError(null);
    try {
      await send('DELETE', `/api-keys/${encodeURIComponent(key.id)}`);
      keys.reload();
    } catch (caught) {
      setRevokeError(asApiError(caught));
    }
  };
  return (
    <div class="grid">
      <h1 class="view-title">API keys</h1>
      <section class="panel wide">
        <h2>Create a key</h2>
        <CreateKeyForm
          onCreated={(key) => {
            setCreated(key);
            keys.reload();
          }}
        />
        {created && (
          <div class="secret" role="status">
            <p>
              <strong>Copy the key for “{created.name}” now: it is shown only this once.</strong>
            </p>
            <code data-secret>{created.key}</code>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(created.key)}>
              Copy
            </button>
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        )}
      </section>
      <Panel title="Keys" loaded={keys} onRetry={keys.reload} wide>
        {(page) => (
          <>
            {revokeError && <ErrorNote error={revokeError} />}
            <DataTable
              caption="API keys (never their secrets)"
              rows={page.data}
              rowKey={(key) => key.id}
              pageSize={20}
              columns={[
                { key: 'name', label: 'Name', sortValue: (key) => key.name.toLowerCase(), render: (key) => key.name },
                { key: 'prefix', label: 'Starts with', render: (key) => <code>{key.prefix}…</code> },
                { key: 'scopes', label: 'Scopes', render: (key) => key.scopes.join(', ') },
                { key: 'partner', label: 'Partner', render: (key) => key.partner_id ?? '—' },
                { key: 'created', label: `Created (${TIME_ZONE})`, sortValue: (key) => key.created_at, render: (key) => formatDateTime(key.created_at) },
                {
                  key: 'state',
                  label: 'State',
                  render: (key) =>
                    key.revoked_at ? (
                      `revoked ${formatDateTime(key.revoked_at)}`
                    ) : (
                      <button type="button" class="danger" onClick={() => void revoke(key)} aria-label={`Revoke ${key.name}`}>
                        Revoke
                      </button>
                    ),
                },
              ]}
            />
          </>
        )}
      </Panel>
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: ApiKey & { key: string }) => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<(typeof SCOPES)[number]>('read');
  const [partnerId, setPartnerId] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldError = (path: string) => error?.fieldErrors.find((item) => item.path === path)?.message;
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { name, scopes: [scope], ...(partnerId.trim() ? { partner_id: partnerId.trim() } : {}) };
      const key = await send<ApiKey & { key: string }>('POST', '/api-keys', body);
      if (key) onCreated(key);
      setName('');
      setPartnerId('');
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="create-key" onSubmit={submit} noValidate>
      <div class="field">
        <label for="key-name">Name</label>
        <input id="key-name" value={name} onInput={(event) => setName(event.currentTarget.value)} placeholder="CRM sync" />
        {fieldError('name') && <span class="field-error">{fieldError('name')}</span>}
      </div>
      <div class="field">
        <label for="key-scope">Scope</label>
        <select id="key-scope" value={scope} onChange={(event) => setScope(event.currentTarget.value as (typeof SCOPES)[number])}>
          {SCOPES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="key-partner">Partner id (optional: a partner's own read-only portal)</label>
        <input id="key-partner" value={partnerId} onInput={(event) => setPartnerId(event.currentTarget.value)} placeholder="p1" />
        {fieldError('partner_id') && <span class="field-error">{fieldError('partner_id')}</span>}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create key'}
      </button>
      {error && error.fieldErrors.length === 0 && <ErrorNote error={error} />}
    </form>
  );
}
