import { useMemo } from 'preact/hooks';
import { withQuery } from '../api';
import { ChartCanvas } from '../chart';
import { DataTable, FigureCard, Panel } from '../components';
import { formatCount, formatDateTime, formatMoney, formatMonth, formatPercent, TIME_ZONE } from '../format';
import { hrefOf, type Filters } from '../router';
import type { Analytics, Page } from '../types';
import { useApi } from '../use-api';
import { horizontalMoneyChart, moneyByMonthChart } from './charts';
import { GettingStarted } from './empty-state';
import { periodParams } from './period';
import { TouchpointMix } from './touchpoint-mix';

/** Every figure of the overview comes from one GET /analytics; a second request only when it is empty. */
export function OverviewView({ filters }: { filters: Filters }) {
  const analytics = useApi<Analytics>(withQuery('/analytics', { ...periodParams(filters), partners_limit: 1000 }));
  const empty = analytics.state === 'ready' && analytics.data.overview.total_deals === 0 && analytics.data.overview.touchpoints === 0;
  // Nothing in the period: a fresh install, or just a quiet period? One more request tells.
  const anyPartner = useApi<Page<unknown>>(empty ? '/partners?limit=1' : null);
  if (empty && anyPartner.state === 'ready' && anyPartner.data.pagination.total === 0) return <GettingStarted />;

  return (
    <div class="grid">
      <h1 class="view-title">Overview</h1>
      <Panel title="Figures" loaded={analytics} onRetry={analytics.reload} wide>
        {(data) => <Figures data={data} />}
      </Panel>
      <Panel title="Revenue by month" loaded={analytics} onRetry={analytics.reload} wide>
        {(data) => <RevenueByMonth data={data} />}
      </Panel>
      <Panel title="Partner leaderboard" loaded={analytics} onRetry={analytics.reload} wide>
        {(data) => <Leaderboard data={data} filters={filters} />}
      </Panel>
      <Panel title="Touchpoint mix" loaded={analytics} onRetry={analytics.reload}>
        {(data) => <TouchpointMix touchpoints={data.touchpoints} whose="All" />}
      </Panel>
      <Panel title="Model usage" loaded={analytics} onRetry={analytics.reload}>
        {(data) => <ModelUsage data={data} />}
      </Panel>
      <Panel title="Recent deals" loaded={analytics} onRetry={analytics.reload} wide>
        {(data) => <RecentDeals data={data} filters={filters} />}
      </Panel>
    </div>
  );
}

function Figures({ data }: { data: Analytics }) {
  const { overview, currency } = data;
  const money = (amount: number) => formatMoney(amount, currency);
  return (
    <dl class="figures">
      <FigureCard label="Revenue" value={money(overview.total_revenue)} hint={`Won deals in ${currency}`} />
      <FigureCard label="Attributed" value={money(overview.attributed_revenue)} hint="Deals with partner touchpoints" />
      <FigureCard label="Unattributed" value={money(overview.unattributed_revenue)} hint="Deals no partner touched" />
      <FigureCard label="Deals" value={formatCount(overview.total_deals)} />
      <FigureCard label="Average deal size" value={money(overview.avg_deal_size)} />
      <FigureCard label="Active partners" value={formatCount(overview.active_partners)} hint="Credited on a won deal" />
    </dl>
  );
}

function RevenueByMonth({ data }: { data: Analytics }) {
  const { monthly, currency } = data;
  const config = useMemo(
    () =>
      moneyByMonthChart(
        monthly.map((row) => row.month),
        [
          { label: 'Revenue', values: monthly.map((row) => row.revenue) },
          { label: 'Attributed', values: monthly.map((row) => row.attributed_revenue) },
        ],
        currency,
      ),
    [data],
  );
  if (monthly.length === 0) return <p class="empty">No won deals in this period.</p>;
  return (
    <>
      <ChartCanvas config={config} summary={`Revenue and attributed revenue in ${currency} for ${monthly.length} months; the table below lists the figures.`} />
      <details>
        <summary>Show as a table</summary>
        <DataTable
          caption="Revenue by month of closing (UTC)"
          rows={monthly}
          rowKey={(row) => row.month}
          pageSize={24}
          columns={[
            { key: 'month', label: 'Month (UTC)', render: (row) => formatMonth(row.month) },
            { key: 'deals', label: 'Deals', numeric: true, render: (row) => formatCount(row.deals) },
            { key: 'revenue', label: 'Revenue', numeric: true, render: (row) => formatMoney(row.revenue, currency) },
            { key: 'attributed', label: 'Attributed', numeric: true, render: (row) => formatMoney(row.attributed_revenue, currency) },
          ]}
        />
      </details>
    </>
  );
}

function Leaderboard({ data, filters }: { data: Analytics; filters: Filters }) {
  const ranked = useMemo(() => data.partners.map((row, index) => ({ ...row, rank: index + 1 })), [data]);
  return (
    <DataTable
      caption="Partners ranked by attributed revenue; choose a name to open the partner"
      rows={ranked}
      rowKey={(row) => row.partner_id}
      initialSort={{ key: 'attributed', descending: true }}
      empty="No partner was credited on a won deal in this period."
      columns={[
        { key: 'rank', label: '#', numeric: true, sortValue: (row) => row.rank, render: (row) => row.rank },
        {
          key: 'name',
          label: 'Partner',
          sortValue: (row) => row.name.toLowerCase(),
          render: (row) => <a href={hrefOf({ view: 'partner', id: row.partner_id }, filters)}>{row.name}</a>,
        },
        { key: 'deals', label: 'Deals', numeric: true, sortValue: (row) => row.deals, render: (row) => formatCount(row.deals) },
        {
          key: 'attributed',
          label: 'Attributed revenue',
          numeric: true,
          sortValue: (row) => row.attributed_revenue,
          render: (row) => formatMoney(row.attributed_revenue, data.currency),
        },
        { key: 'share', label: 'Average share', numeric: true, sortValue: (row) => row.avg_percentage, render: (row) => formatPercent(row.avg_percentage) },
      ]}
    />
  );
}

function ModelUsage({ data }: { data: Analytics }) {
  const config = useMemo(
    () => horizontalMoneyChart(data.models.map((row) => row.model), data.models.map((row) => row.revenue), 'Revenue', data.currency),
    [data],
  );
  if (data.models.length === 0) return <p class="empty">No won deals in this period.</p>;
  return (
    <>
      <ChartCanvas config={config} summary="Revenue by the attribution model each deal uses; the table beside lists the figures." />
      <DataTable
        caption="Deals and revenue by attribution model"
        rows={data.models}
        rowKey={(row) => row.model}
        columns={[
          { key: 'model', label: 'Model', render: (row) => row.model },
          { key: 'deals', label: 'Deals', numeric: true, render: (row) => formatCount(row.deals) },
          { key: 'revenue', label: 'Revenue', numeric: true, render: (row) => formatMoney(row.revenue, data.currency) },
        ]}
      />
    </>
  );
}

function RecentDeals({ data, filters }: { data: Analytics; filters: Filters }) {
  return (
    <DataTable
      caption="The period's most recently closed deals; choose one to compare its models"
      rows={data.recent_deals}
      rowKey={(row) => row.id}
      empty="No deals closed in this period."
      columns={[
        { key: 'id', label: 'Deal', render: (row) => <a href={hrefOf({ view: 'deal', id: row.id }, filters)}>{row.id}</a> },
        { key: 'closed', label: `Closed (${TIME_ZONE})`, render: (row) => formatDateTime(row.closed_date) },
        { key: 'amount', label: 'Amount', numeric: true, render: (row) => formatMoney(row.amount, row.currency) },
        { key: 'model', label: 'Model', render: (row) => row.attribution_model },
        { key: 'touchpoints', label: 'Touchpoints', numeric: true, render: (row) => formatCount(row.touchpoints) },
      ]}
    />
  );
}
