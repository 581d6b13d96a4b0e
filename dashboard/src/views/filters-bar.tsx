import { useEffect, useState } from 'preact/hooks';
import { TIME_ZONE } from '../format';
import { navigate, type Filters, type Route } from '../router';

const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'CHF', 'SEK', 'INR', 'BRL'];

const isoDay = (date: Date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

function presets(): { label: string; from: string; to: string }[] {
  const today = new Date();
  const yearAgo = new Date(today.getFullYear() - 1, today.getMonth(), today.getDate() + 1);
  const monthAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  return [
    { label: 'All time', from: '', to: '' },
    { label: 'This year', from: `${today.getFullYear()}-01-01`, to: isoDay(today) },
    { label: 'Last 12 months', from: isoDay(yearAgo), to: isoDay(today) },
    { label: 'Last 30 days', from: isoDay(monthAgo), to: isoDay(today) },
  ];
}

/** The period (local days, inclusive) and currency every figure below is for; kept in the link. */
export function FiltersBar({ route, filters }: { route: Route; filters: Filters }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters.from, filters.to, filters.currency]);
  const apply = (next: Filters) => navigate(route, next);
  const invalid = draft.from !== '' && draft.to !== '' && draft.to < draft.from;
  return (
    <form
      class="filters"
      aria-label="Period and currency"
      onSubmit={(event) => {
        event.preventDefault();
        if (!invalid) apply(draft);
      }}
    >
      <div class="presets" role="group" aria-label="Period presets">
        {presets().map((preset) => (
          <button
            type="button"
            key={preset.label}
            aria-pressed={preset.from === filters.from && preset.to === filters.to}
            onClick={() => apply({ ...filters, from: preset.from, to: preset.to })}
          >
            {preset.label}
          </button>
        ))}
      </div>
      <label>
        From
        <input type="date" value={draft.from} max={draft.to || undefined} onInput={(event) => setDraft({ ...draft, from: event.currentTarget.value })} />
      </label>
      <label>
        To
        <input type="date" value={draft.to} min={draft.from || undefined} onInput={(event) => setDraft({ ...draft, to: event.currentTarget.value })} />
      </label>
      <label>
        Currency
        <select value={draft.currency} onChange={(event) => apply({ ...draft, currency: event.currentTarget.value })}>
          <option value="">Default</option>
          {[...new Set([...CURRENCIES, ...(draft.currency ? [draft.currency] : [])])].map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={invalid}>
        Apply
      </button>
      <p class="hint zone">
        Days in your time zone ({TIME_ZONE}){invalid ? ' — the end is before the start' : ''}
      </p>
    </form>
  );
}

