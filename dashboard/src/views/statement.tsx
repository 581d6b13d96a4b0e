import { DataTable, DownloadButton, FigureCard, Panel } from '../components';
import { formatCount, formatDateTime, formatDays, formatMoney, formatPercent, TIME_ZONE } from '../format';
import { hrefOf, type Filters } from '../router';
import type { PartnerStatement } from '../types';
import { useApi } from '../use-api';
import { periodName, usePayoutPeriods } from './payout-period-data';

/**
 * One partner's statement for one period: its deal lines, its adjustments, its totals per
 * currency as the API totals them, and the same as CSV. Two requests (the period list, which
 * names the periods adjustments correct, is usually cached already).
 */
export function StatementView({ periodId, partnerId, filters, portal }: { periodId: string; partnerId: string; filters: Filters; portal: boolean }) {
  const path = `/payout-periods/${encodeURIComponent(periodId)}/statements/${encodeURIComponent(partnerId)}`;
  const statement = useApi<PartnerStatement>(path);
  const periods = usePayoutPeriods();
  const listed = periods.state === 'ready' ? periods.data.data : undefined;
  const data = statement.state === 'ready' ? statement.data : undefined;
  const days = data ? formatDays(data.period.start_date, data.period.end_date) : periodName(listed, periodId);
  return (
    <div class="grid">
      <div class="view-title">
        <p class="crumbs">
          {portal ? (
            <a href={hrefOf({ view: 'partner', id: partnerId }, filters)}>Your payouts</a>
          ) : (
            <>
              <a href={hrefOf({ view: 'periods' }, filters)}>Payout periods</a> › <a href={hrefOf({ view: 'period', id: periodId }, filters)}>{days}</a> ›{' '}
              <a href={hrefOf({ view: 'partner', id: partnerId }, filters)}>{data?.partner.name ?? partnerId}</a>
            </>
          )}{' '}
          › Statement
        </p>
        <h1>{portal ? `Your statement, ${days}` : `Statement of ${data?.partner.name ?? partnerId}, ${days}`}</h1>
      </div>
      <Panel
        title="Totals"
        loaded={statement}
        onRetry={statement.reload}
        wide
        actions={
          data && (
            <DownloadButton
              label="Download statement CSV"
              path={path}
              accept="text/csv"
              filename={`statement-${data.period.start_date}-${data.period.end_date}-${data.partner.id}.csv`}
            />
          )
        }
      >
        {(data) => (
          <>
            <dl class="figures">
              {data.totals.length === 0 && <FigureCard label="Total" value="Nothing" hint="No payouts or adjustments in this period" />}
              {data.totals.map((total) => (
                <FigureCard key={total.currency} label={`Total (${total.currency})`} value={formatMoney(total.total, total.currency)} />
              ))}
              <FigureCard label="Deal lines" value={formatCount(data.lines.length)} />
              <FigureCard label="Adjustments" value={formatCount(data.adjustments.length)} />
              <FigureCard label={`Locked (${TIME_ZONE})`} value={data.period.locked_at ? formatDateTime(data.period.locked_at) : 'Not yet'} />
            </dl>
            <p class="hint">
              {data.period.locked_at
                ? 'Locked: this statement reads the same forever. Later changes to its deals appear as adjustments on a later statement.'
                : 'The period is open: these figures are live and still move with its deals until it is locked.'}
            </p>
          </>
        )}
      </Panel>
      <Panel title="Deals" loaded={statement} onRetry={statement.reload} wide>
        {(data) => (
          <DataTable
            caption={`The won deals closed in the period that credit ${portal ? 'you' : 'the partner'}, with ${portal ? 'your' : 'its'} payout`}
            rows={data.lines}
            rowKey={(line) => line.deal_id}
            pageSize={25}
            empty="No deal lines in this period."
            columns={[
              { key: 'deal', label: 'Deal', sortValue: (line) => line.deal_id, render: (line) => <a href={hrefOf({ view: 'deal', id: line.deal_id }, filters)}>{line.deal_id}</a> },
              { key: 'closed', label: `Closed (${TIME_ZONE})`, sortValue: (line) => line.closed_date, render: (line) => formatDateTime(line.closed_date) },
              { key: 'amount', label: 'Deal amount', numeric: true, render: (line) => formatMoney(line.amount, line.currency) },
              { key: 'model', label: 'Model', render: (line) => line.model },
              { key: 'percentage', label: 'Share', numeric: true, render: (line) => formatPercent(line.percentage) },
              { key: 'payout', label: 'Payout', numeric: true, render: (line) => formatMoney(line.payout, line.currency) },
            ]}
          />
        )}
      </Panel>
      <Panel title="Adjustments" loaded={statement} onRetry={statement.reload} wide>
        {(data) => (
          <DataTable
            caption="Changes recorded during this period to deals an earlier, locked period had paid"
            rows={data.adjustments}
            rowKey={(adjustment) => adjustment.id}
            pageSize={25}
            empty="No adjustments in this period."
            columns={[
              { key: 'deal', label: 'Deal', render: (row) => <a href={hrefOf({ view: 'deal', id: row.deal_id }, filters)}>{row.deal_id}</a> },
              { key: 'recorded', label: `Recorded (${TIME_ZONE})`, render: (row) => formatDateTime(row.created_at) },
              { key: 'amount', label: 'Amount', numeric: true, render: (row) => formatMoney(row.amount, row.currency) },
              { key: 'reason', label: 'Reason', render: (row) => row.reason },
              {
                key: 'original',
                label: 'Corrects period',
                render: (row) =>
                  portal ? (
                    periodName(listed, row.original_period_id)
                  ) : (
                    <a href={hrefOf({ view: 'period', id: row.original_period_id }, filters)}>{periodName(listed, row.original_period_id)}</a>
                  ),
              },
            ]}
          />
        )}
      </Panel>
    </div>
  );
}
