import { useState } from 'preact/hooks';
import { send, type ApiError } from '../api';
import { DataTable, ErrorNote, Panel } from '../components';
import { formatDateTime, formatDays, TIME_ZONE } from '../format';
import { hrefOf, type Filters } from '../router';
import type { PayoutPeriod } from '../types';
import { asApiError } from '../use-api';
import { STATUS_LABELS, usePayoutPeriods } from './payout-period-data';

/** Every payout period, newest first; an admin key also opens new ones. One request. */
export function PayoutPeriodsView({ filters, admin }: { filters: Filters; admin: boolean }) {
  const periods = usePayoutPeriods();
  const [created, setCreated] = useState<PayoutPeriod | null>(null);
  return (
    <div class="grid">
      <h1 class="view-title">Payout periods</h1>
      {admin ? (
        <section class="panel wide">
          <h2>Open a period</h2>
          <CreatePeriodForm
            onCreated={(period) => {
              setCreated(period);
              periods.reload();
            }}
          />
          {created && (
            <p role="status" class="ok">
              Opened <a href={hrefOf({ view: 'period', id: created.id }, filters)}>{formatDays(created.start_date, created.end_date)}</a>. Its statements are live
              until it is locked.
            </p>
          )}
        </section>
      ) : (
        <p class="view-title note">Read-only: an admin key opens, locks and pays periods.</p>
      )}
      <Panel title="Periods" loaded={periods} onRetry={periods.reload} wide>
        {(page) => (
          <>
            <DataTable
              caption={`Payout periods, newest first; days are UTC, times ${TIME_ZONE}. Choose one for its statements.`}
              rows={page.data}
              rowKey={(period) => period.id}
              pageSize={24}
              empty={admin ? 'No payout periods yet: open the first one above.' : 'No payout periods yet.'}
              columns={[
                {
                  key: 'days',
                  label: 'Period (UTC days)',
                  render: (period) => <a href={hrefOf({ view: 'period', id: period.id }, filters)}>{formatDays(period.start_date, period.end_date)}</a>,
                },
                { key: 'status', label: 'Status', render: (period) => <StatusBadge status={period.status} /> },
                { key: 'created', label: 'Created', render: (period) => formatDateTime(period.created_at) },
                { key: 'locked', label: 'Locked', render: (period) => (period.locked_at ? formatDateTime(period.locked_at) : '—') },
                { key: 'paid', label: 'Paid', render: (period) => (period.paid_at ? formatDateTime(period.paid_at) : '—') },
                { key: 'reference', label: 'Payment reference', render: (period) => period.payment_reference ?? '—' },
              ]}
            />
            {page.pagination.total > page.data.length && (
              <p class="hint">
                The newest {page.data.length} of {page.pagination.total} periods; the API lists the rest (<code>GET /payout-periods?offset=…</code>).
              </p>
            )}
          </>
        )}
      </Panel>
    </div>
  );
}

export function StatusBadge({ status }: { status: PayoutPeriod['status'] }) {
  return <span class={`status status-${status}`}>{STATUS_LABELS[status]}</span>;
}

function CreatePeriodForm({ onCreated }: { onCreated: (period: PayoutPeriod) => void }) {
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Sent as typed: the API's own messages explain an empty or impossible date.
      const period = await send<PayoutPeriod>('POST', '/payout-periods', { start_date: start, end_date: end });
      if (period) onCreated(period);
      setStart('');
      setEnd('');
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="create-period" onSubmit={submit} noValidate>
      <DateField id="period-start" label="First day (UTC)" path="start_date" value={start} onInput={setStart} error={error} />
      <DateField id="period-end" label="Last day (UTC, inclusive)" path="end_date" value={end} onInput={setEnd} error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Opening…' : 'Open period'}
      </button>
      {/* A 409 (an overlap) also names the field; its detail says which period is in the way. */}
      {error && (error.fieldErrors.length === 0 || error.status === 409) && <ErrorNote error={error} lead="Not opened." />}
    </form>
  );
}

/** A date input for the body field `path`, marked invalid with the API's message when the last answer named it. */
function DateField(props: { id: string; label: string; path: string; value: string; onInput: (value: string) => void; error: ApiError | null }) {
  const message = props.error?.fieldErrors.find((item) => item.path === props.path)?.message;
  const errorId = `error-period-${props.path}`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="date"
        value={props.value}
        aria-invalid={message !== undefined ? true : undefined}
        aria-describedby={message !== undefined ? errorId : undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {message && (
        <span class="field-error" id={errorId}>
          {message}
        </span>
      )}
    </div>
  );
}
