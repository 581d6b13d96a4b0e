import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { download, type ApiError } from './api';
import { asApiError, type Loaded } from './use-api';

/** A titled card that shows its loading and error states itself, so no panel is ever blank. */
export function Panel<T>(props: {
  title: string;
  loaded: Loaded<T>;
  onRetry?: () => void;
  wide?: boolean;
  actions?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  const { loaded } = props;
  return (
    <section class={`panel${props.wide ? ' wide' : ''}`} aria-busy={loaded.state === 'loading'}>
      <header class="panel-head">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      {loaded.state === 'loading' && <p class="loading">Loading…</p>}
      {loaded.state === 'error' && <ErrorNote error={loaded.error} onRetry={props.onRetry} />}
      {loaded.state === 'ready' && props.children(loaded.data)}
    </section>
  );
}

/** The API's message for a failed request; `lead` names what failed when it was not a load (`Not locked.`). */
export function ErrorNote({ error, onRetry, lead }: { error: ApiError; onRetry?: (() => void) | undefined; lead?: string }) {
  return (
    <div class="error" role="alert">
      <p>
        <strong>{error.status === 429 ? 'Rate limited.' : error.status === 404 ? 'Not found.' : (lead ?? 'Could not load this.')}</strong> {error.message}
      </p>
      {onRetry && error.status !== 404 && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function FigureCard({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div class="figure">
      <dt>{label}</dt>
      <dd data-figure={label}>{value}</dd>
      {hint && <p class="hint">{hint}</p>}
    </div>
  );
}

export interface Column<Row> {
  key: string;
  label: string;
  /** The value sorted on; the column cannot be sorted without one. */
  sortValue?: (row: Row) => number | string;
  render: (row: Row) => ComponentChildren;
  numeric?: boolean;
}

/** A table with sortable columns (buttons in the headers, so the keyboard works) and pages. */
export function DataTable<Row>(props: {
  caption: string;
  columns: Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  pageSize?: number;
  initialSort?: { key: string; descending: boolean };
  empty?: ComponentChildren;
}) {
  const pageSize = props.pageSize ?? 10;
  const [sort, setSort] = useState(props.initialSort ?? null);
  const [page, setPage] = useState(0);
  const sorted = useMemo(() => {
    const column = props.columns.find((candidate) => candidate.key === sort?.key);
    if (!column?.sortValue || !sort) return props.rows;
    const value = column.sortValue;
    return [...props.rows].sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      const order = x < y ? -1 : x > y ? 1 : 0;
      return sort.descending ? -order : order;
    });
  }, [props.rows, props.columns, sort]);
  if (props.rows.length === 0) return <p class="empty">{props.empty ?? 'Nothing here for this period.'}</p>;
  const pages = Math.ceil(sorted.length / pageSize);
  const shown = sorted.slice(page * pageSize, (page + 1) * pageSize);
  const toggle = (key: string) => {
    setSort((current) => ({ key, descending: current?.key === key ? !current.descending : true }));
    setPage(0);
  };
  return (
    <div class="table-wrap">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th
                key={column.key}
                scope="col"
                class={column.numeric ? 'num' : undefined}
                aria-sort={sort?.key === column.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
              >
                {column.sortValue ? (
                  <button type="button" class="sort" onClick={() => toggle(column.key)}>
                    {column.label}
                    <span aria-hidden="true">{sort?.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : ' ↕'}</span>
                  </button>
                ) : (
                  column.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((column) => (
                <td key={column.key} class={column.numeric ? 'num' : undefined}>
                  {column.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <nav class="pager" aria-label={`${props.caption}: pages`}>
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page + 1} of {pages}
          </span>
          <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}

/** A button that fetches `path` with the key in its header and saves it as `filename`; a failure shows by it. */
export function DownloadButton({ label, path, filename, accept }: { label: string; path: string; filename: string; accept?: string }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await download(path, filename, accept);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="actions">
      <button type="button" onClick={save} disabled={busy}>
        {busy ? 'Preparing…' : label}
      </button>
      {error && <ErrorNote error={error} lead="Could not download it." />}
    </div>
  );
}
