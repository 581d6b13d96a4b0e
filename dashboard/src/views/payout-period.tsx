import { useState } from 'preact/hooks';
import { send, type ApiError } from '../api';
import { DataTable, ErrorNote, FigureCard, Panel } from '../components';
import { formatDateTime, formatDays, formatMoney, TIME_ZONE } from '../format';
import { hrefOf, type Filters } from '../router';
import type { PayoutPeriod, PeriodStatements } from '../types';
import { asApiError, useApi } from '../use-api';
import { lockableFrom, usePayoutPeriods } from './payout-period-data';
import { StatusBadge } from './payout-periods';

/**
 * One payout period: its dates and state, the admin's lock and mark-paid, and the statement
 * summary per partner and currency. Two requests (the period list is usually cached already).
 */
export function PayoutPeriodView({ id, filters, admin }: { id: string; filters: Filters; admin: boolean }) {
  const periods = usePayoutPeriods();
  const statements = useApi<PeriodStatements>(`/payout-periods/${encodeURIComponent(id)}/statements`);
  const period = periods.state === 'ready' ? periods.data.data.find((candidate) => candidate.id === id) : undefined;
  const reload = () => {
    periods.reload();
    statements.reload();
  };
  return (
    <div class="grid">
      <div class="view-title">
        <p class="crumbs">
          <a href={hrefOf({ view: 'periods' }, filters)}>Payout periods</a> › Period
        </p>
        <h1>Payout period {period ? formatDays(period.start_date, period.end_date) : id}</h1>
      </div>
      <Panel title="Period" loaded={periods} onRetry={periods.reload} wide>
        {() =>
          period ? (
            <>
              <PeriodFacts period={period} />
              {admin && <PeriodActions period={period} onChanged={reload} />}
            </>
          ) : (
            <p class="empty">No payout period has the id {id}.</p>
          )
        }
      </Panel>
      <Panel title="Statements" loaded={statements} onRetry={statements.reload} wide>
        {(data) => <StatementSummary data={data} filters={filters} />}
      </Panel>
    </div>
  );
}

function PeriodFacts({ period }: { period: PayoutPeriod }) {
  return (
    <dl class="figures">
      <div class="figure">
        <dt>Status</dt>
        <dd data-figure="Status">
          <StatusBadge status={period.status} />
        </dd>
      </div>
      <FigureCard label="Days (UTC, inclusive)" value={formatDays(period.start_date, period.end_date)} />
      <FigureCard label={`Locked (${TIME_ZONE})`} value={period.locked_at ? formatDateTime(period.locked_at) : '—'} />
      <FigureCard label={`Paid (${TIME_ZONE})`} value={period.paid_at ? formatDateTime(period.paid_at) : '—'} />
      <FigureCard label="Payment reference" value={period.payment_reference ?? '—'} />
    </dl>
  );
}

/** Lock (offered once the API would allow it by this browser's clock), then mark paid. */
function PeriodActions({ period, onChanged }: { period: PayoutPeriod; onChanged: () => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [reference, setReference] = useState('');
  const act = async (path: 'lock' | 'paid', body?: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await send('POST', `/payout-periods/${encodeURIComponent(period.id)}/${path}`, body);
      onChanged();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };
  const lock = () => {
    const days = formatDays(period.start_date, period.end_date);
    if (!window.confirm(`Lock ${days}? Its statements are stored as they stand and never change again; later changes become adjustments.`)) return;
    void act('lock');
  };
  const pay = (event: Event) => {
    event.preventDefault();
    void act('paid', reference.trim() ? { payment_reference: reference.trim() } : {});
  };
  const referenceError = error?.fieldErrors.find((item) => item.path === 'payment_reference')?.message;
  const failure = error && !referenceError && <ErrorNote error={error} lead={period.status === 'open' ? 'Not locked.' : 'Not marked paid.'} />;
  if (period.status === 'open') {
    const from = lockableFrom(period);
    return (
      <div class="period-actions">
        {Date.now() >= from ? (
          <button type="button" onClick={lock} disabled={busy}>
            {busy ? 'Locking…' : 'Lock period'}
          </button>
        ) : (
          <p class="hint" data-lockable-from>
            It can be locked from {formatDateTime(new Date(from).toISOString())} ({TIME_ZONE}), once its last day has ended in UTC. Until then its statements are live.
          </p>
        )}
        {failure}
      </div>
    );
  }
  if (period.status === 'locked') {
    return (
      <form class="period-actions" onSubmit={pay} noValidate>
        <div class="field">
          <label for="payment-reference">Payment reference (optional)</label>
          <input
            id="payment-reference"
            value={reference}
            maxLength={200}
            placeholder="SEPA-2024-02-03"
            aria-invalid={referenceError ? true : undefined}
            aria-describedby={referenceError ? 'error-payment-reference' : undefined}
            onInput={(event) => setReference(event.currentTarget.value)}
          />
          {referenceError && (
            <span class="field-error" id="error-payment-reference">
              {referenceError}
            </span>
          )}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Mark paid'}
        </button>
        {failure}
      </form>
    );
  }
  return null;
}

function StatementSummary({ data, filters }: { data: PeriodStatements; filters: Filters }) {
  const locked = data.period.locked_at !== null;
  return (
    <>
      <p class="hint">
        {locked
          ? `What the lock stored on ${formatDateTime(data.period.locked_at!)}, plus the adjustments recorded during the period. These figures never change.`
          : 'Live until the period is locked: later changes to its deals still move these figures.'}
      </p>
      <DataTable
        caption="Per partner and currency: the period's deal payouts, its adjustments and their total, as the API totals them"
        rows={data.data}
        rowKey={(row) => `${row.partner_id} ${row.currency}`}
        pageSize={25}
        initialSort={{ key: 'partner', descending: false }}
        empty="No partner earned anything in this period."
        columns={[
          {
            key: 'partner',
            label: 'Partner',
            sortValue: (row) => row.partner_name.toLowerCase(),
            render: (row) => <a href={hrefOf({ view: 'statement', periodId: data.period.id, partnerId: row.partner_id }, filters)}>{row.partner_name}</a>,
          },
          { key: 'currency', label: 'Currency', render: (row) => row.currency },
          { key: 'deals', label: 'Deals', numeric: true, render: (row) => formatMoney(row.deals_total, row.currency) },
          { key: 'adjustments', label: 'Adjustments', numeric: true, render: (row) => formatMoney(row.adjustments_total, row.currency) },
          { key: 'total', label: 'Total', numeric: true, render: (row) => formatMoney(row.total, row.currency) },
        ]}
      />
    </>
  );
}
