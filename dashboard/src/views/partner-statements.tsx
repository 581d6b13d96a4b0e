import { DataTable, Panel } from '../components';
import { formatDays } from '../format';
import { hrefOf, type Filters } from '../router';
import { usePayoutPeriods } from './payout-period-data';
import { StatusBadge } from './payout-periods';

/** The partner's statement in every payout period, newest first: the way from a partner (or a partner's portal) to its statements. */
export function PartnerStatements({ partnerId, filters, portal }: { partnerId: string; filters: Filters; portal: boolean }) {
  const periods = usePayoutPeriods();
  return (
    <Panel title="Statements" loaded={periods} onRetry={periods.reload}>
      {(page) => (
        <DataTable
          caption={`${portal ? 'Your' : "The partner's"} statement for each payout period (UTC days), newest first`}
          rows={page.data}
          rowKey={(period) => period.id}
          empty="No payout periods yet."
          columns={[
            {
              key: 'period',
              label: 'Period',
              render: (period) => (
                <a href={hrefOf({ view: 'statement', periodId: period.id, partnerId }, filters)} data-statement={period.id}>
                  {formatDays(period.start_date, period.end_date)}
                </a>
              ),
            },
            { key: 'status', label: 'Status', render: (period) => <StatusBadge status={period.status} /> },
          ]}
        />
      )}
    </Panel>
  );
}
