import { useEffect, useState } from 'preact/hooks';
import { ATTRIBUTION_MODELS } from '../../../src/domain/attribution/models';
import { send, type ApiError } from '../api';
import { ErrorNote, Panel } from '../components';
import type { Settings } from '../types';
import { asApiError, useApi } from '../use-api';

/** Admin: role weights, half-life and default model; the API validates, and its messages appear by the field. */
export function SettingsView() {
  const settings = useApi<Settings>('/settings');
  return (
    <div class="grid">
      <h1 class="view-title">Settings</h1>
      <Panel title="Attribution settings" loaded={settings} onRetry={settings.reload} wide>
        {(data) => <SettingsForm settings={data} />}
      </Panel>
    </div>
  );
}

type Draft = { default_model: string; half_life_days: string; role_weights: Record<string, string> };

const draftOf = (settings: Settings): Draft => ({
  default_model: settings.default_model,
  half_life_days: String(settings.half_life_days),
  role_weights: Object.fromEntries(Object.entries(settings.role_weights).map(([type, weight]) => [type, String(weight)])),
});

// An empty or non-numeric field is sent as it is typed, so the API's own message explains it.
const numberOrText = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);

function SettingsForm({ settings }: { settings: Settings }) {
  const [draft, setDraft] = useState(() => draftOf(settings));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved'>('idle');
  useEffect(() => setDraft(draftOf(settings)), [settings]);

  const save = async (event: Event) => {
    event.preventDefault();
    setStatus('saving');
    setFieldErrors({});
    setFailure(null);
    try {
      const saved = await send<Settings>('PATCH', '/settings', {
        default_model: draft.default_model,
        half_life_days: numberOrText(draft.half_life_days),
        role_weights: Object.fromEntries(Object.entries(draft.role_weights).map(([type, weight]) => [type, numberOrText(weight)])),
      });
      // The form stays (reloading the panel would unmount it and its "Saved"), showing what the API stored.
      if (saved) setDraft(draftOf(saved));
      setStatus('saved');
    } catch (caught) {
      const error = asApiError(caught);
      setStatus('idle');
      setFieldErrors(Object.fromEntries(error.fieldErrors.map((item) => [item.path, item.message])));
      if (error.fieldErrors.length === 0 || error.fieldErrors.some((item) => !fieldNames(draft).includes(item.path))) setFailure(error);
    }
  };
  const fieldError = (path: string) =>
    fieldErrors[path] && (
      <span class="field-error" id={`error-${path.replace('/', '-')}`} role="alert">
        {fieldErrors[path]}
      </span>
    );
  const describedBy = (path: string) => (fieldErrors[path] ? `error-${path.replace('/', '-')}` : undefined);
  return (
    <form class="settings" onSubmit={save} noValidate>
      <fieldset>
        <legend>Default model</legend>
        <label for="default_model">Model for new deals that name none</label>
        <select id="default_model" value={draft.default_model} onChange={(event) => setDraft({ ...draft, default_model: event.currentTarget.value })}>
          {ATTRIBUTION_MODELS.map((model) => (
            <option key={model} value={model}>
              {model}
            </option>
          ))}
        </select>
        {fieldError('default_model')}
      </fieldset>
      <fieldset>
        <legend>Role weights (role-based model)</legend>
        <div class="weights">
          {Object.keys(draft.role_weights).map((type) => (
            <div class="field" key={type}>
              <label for={`weight-${type}`}>{type}</label>
              <input
                id={`weight-${type}`}
                inputMode="decimal"
                value={draft.role_weights[type]}
                aria-invalid={fieldErrors[`role_weights/${type}`] ? true : undefined}
                aria-describedby={describedBy(`role_weights/${type}`)}
                onInput={(event) => setDraft({ ...draft, role_weights: { ...draft.role_weights, [type]: event.currentTarget.value } })}
              />
              {fieldError(`role_weights/${type}`)}
            </div>
          ))}
        </div>
        {fieldError('role_weights')}
      </fieldset>
      <fieldset>
        <legend>Time decay</legend>
        <label for="half_life_days">Half-life in days</label>
        <input
          id="half_life_days"
          inputMode="decimal"
          value={draft.half_life_days}
          aria-invalid={fieldErrors.half_life_days ? true : undefined}
          aria-describedby={describedBy('half_life_days')}
          onInput={(event) => setDraft({ ...draft, half_life_days: event.currentTarget.value })}
        />
        {fieldError('half_life_days')}
      </fieldset>
      {failure && <ErrorNote error={failure} />}
      <div class="actions">
        <button type="submit" disabled={status === 'saving'}>
          {status === 'saving' ? 'Saving…' : 'Save settings'}
        </button>
        {status === 'saved' && (
          <span role="status" class="ok">
            Saved. Every deal's attribution now follows these settings.
          </span>
        )}
      </div>
    </form>
  );
}

const fieldNames = (draft: Draft) => ['default_model', 'half_life_days', 'role_weights', ...Object.keys(draft.role_weights).map((type) => `role_weights/${type}`)];
