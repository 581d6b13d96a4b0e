import { useMemo } from 'preact/hooks';
import { withQuery } from '../api';
import { ChartCanvas } from '../chart';
import { DataTable, DownloadButton, FigureCard, Panel } from '../components';
import { formatCount, formatDateTime, formatMoney, formatMonth, formatPercent, TIME_ZONE } from '../format';
import { hrefOf, type Filters } from '../router';
import type { PartnerAnalytics } from '../types';
import { useApi } from '../use-api';
import { moneyByMonthChart } from './charts';
import { PartnerStatements } from './partner-statements';
import { periodParams } from './period';
import { TouchpointMix } from './touchpoint-mix';

/** One partner: monthly payouts, its deals with share and payout, its touchpoint mix, its CSV, its statements. Two requests. */
export function PartnerView({ id, filters, portal }: { id: string; filters: Filters; portal: boolean }) {
  const analytics = useApi<PartnerAnalytics>(withQuery(`/analytics/partner/${encodeURIComponent(id)}`, { ...periodParams(filters), deals_limit: 1000 }));
  const name = analytics.state === 'ready' ? analytics.data.partner.name : id;
  return (
    <div class="grid">
      <div class="view-title">
        {!portal && (
          <p class="crumbs">
            <a href={hrefOf({ view: 'overview' }, filters)}>Overview</a> › Partner
          </p>
        )}
        <h1>{portal ? `${name}: your payouts` : name}</h1>
      </div>
      <Panel title="Figures" loaded={analytics} onRetry={analytics.reload} wide actions={
          <DownloadButton label="Download payouts CSV" path={withQuery('/exports/payouts.csv', { ...periodParams(filters), partner_id: id })} filename={`payouts-${id}.csv`} />
        }
      >
        {(data) => (
          <dl class="figures">
            <FigureCard label="Payouts" value={formatMoney(data.totals.attributed_revenue, data.currency)} hint={`In ${data.currency}`} />
            <FigureCard label="Deals" value={formatCount(data.totals.deals)} />
            <FigureCard label="Average share" value={formatPercent(data.totals.avg_percentage)} />
            <FigureCard label="Touchpoints" value={formatCount(data.totals.touchpoints)} />
            <FigureCard label="Email" value={data.partner.email} />
            <FigureCard label="Status" value={data.partner.status} />
          </dl>
        )}
      </Panel>
      <Panel title="Payouts by month" loaded={analytics} onRetry={analytics.reload} wide>
        {(data) => <MonthlyPayouts data={data} />}
      </Panel>
      <Panel title="Deals" loaded={analytics} onRetry={analytics.reload} wide>
        {(data) => <PartnerDeals data={data} filters={filters} />}
      </Panel>
      <Panel title="Touchpoint mix" loaded={analytics} onRetry={analytics.reload}>
        {(data) => <TouchpointMix touchpoints={data.touchpoints} whose="The partner's" />}
      </Panel>
      <PartnerStatements partnerId={id} filters={filters} portal={portal} />
    </div>
  );
}

function MonthlyPayouts({ data }: { data: PartnerAnalytics }) {
  const monthly = useMemo(() => withEmptyMonths(data.monthly), [data]);
  const config = useMemo(
    () => moneyByMonthChart(monthly.map((row) => row.month), [{ label: 'Payouts', values: monthly.map((row) => row.attributed_revenue) }], data.currency),
    [monthly],
  );
  if (monthly.length === 0) return <p class="empty">No payouts in this period.</p>;
  return (
    <>
      <ChartCanvas config={config} summary={`Payouts in ${data.currency} by month; the table below lists them.`} />
      <details>
        <summary>Show as a table</summary>
        <DataTable
          caption="Payouts by month of closing (UTC)"
          rows={monthly}
          rowKey={(row) => row.month}
          pageSize={24}
          columns={[
            { key: 'month', label: 'Month (UTC)', render: (row) => formatMonth(row.month) },
            { key: 'deals', label: 'Deals', numeric: true, render: (row) => formatCount(row.deals) },
            { key: 'payout', label: 'Payouts', numeric: true, render: (row) => formatMoney(row.attributed_revenue, data.currency) },
          ]}
        />
      </details>
    </>
  );
}

function PartnerDeals({ data, filters }: { data: PartnerAnalytics; filters: Filters }) {
  return (
    <DataTable
      caption="The partner's won deals, most recent first; choose one to see its attribution"
      rows={data.deals}
      rowKey={(row) => row.deal_id}
      initialSort={{ key: 'closed', descending: true }}
      empty="No won deals credit this partner in this period."
      columns={[
        { key: 'deal', label: 'Deal', sortValue: (row) => row.deal_id, render: (row) => <a href={hrefOf({ view: 'deal', id: row.deal_id }, filters)}>{row.deal_id}</a> },
        { key: 'closed', label: `Closed (${TIME_ZONE})`, sortValue: (row) => row.closed_date, render: (row) => formatDateTime(row.closed_date) },
        { key: 'amount', label: 'Deal amount', numeric: true, sortValue: (row) => row.amount, render: (row) => formatMoney(row.amount, row.currency) },
        { key: 'model', label: 'Model', sortValue: (row) => row.model, render: (row) => row.model },
        { key: 'percentage', label: 'Share', numeric: true, sortValue: (row) => row.percentage, render: (row) => formatPercent(row.percentage) },
        { key: 'payout', label: 'Payout', numeric: true, sortValue: (row) => row.payout, render: (row) => formatMoney(row.payout, row.currency) },
      ]}
    />
  );
}

/**
 * The partner's months from first to last with the months it earned nothing in as zeros, so
 * the chart's bars stand at their true distance (the overview's series comes filled already).
 */
function withEmptyMonths(rows: PartnerAnalytics['monthly']): PartnerAnalytics['monthly'] {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return [];
  const byMonth = new Map(rows.map((row) => [row.month, row]));
  const index = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
  const filled: PartnerAnalytics['monthly'] = [];
  for (let month = index(first.month); month <= index(last.month); month++) {
    const label = `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
    filled.push(byMonth.get(label) ?? { month: label, deals: 0, attributed_revenue: 0 });
  }
  return filled;
}
