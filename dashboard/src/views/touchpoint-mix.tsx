import { useMemo } from 'preact/hooks';
import { ChartCanvas } from '../chart';
import { DataTable } from '../components';
import { formatCount } from '../format';
import type { TouchpointCount } from '../types';
import { touchpointMixChart } from './charts';

/** Touchpoints by type as a doughnut, with the counts in a table beside it (its text alternative). */
export function TouchpointMix({ touchpoints, whose }: { touchpoints: readonly TouchpointCount[]; whose: string }) {
  const config = useMemo(() => touchpointMixChart(touchpoints), [touchpoints]);
  if (touchpoints.length === 0) return <p class="empty">No touchpoints in this period.</p>;
  return (
    <>
      <ChartCanvas config={config} summary={`${whose} touchpoints by type; the table beside lists the counts.`} />
      <DataTable
        caption="Touchpoints by type"
        rows={touchpoints}
        rowKey={(row) => row.touchpoint_type}
        columns={[
          { key: 'type', label: 'Type', render: (row) => row.touchpoint_type },
          { key: 'count', label: 'Touchpoints', numeric: true, render: (row) => formatCount(row.count) },
        ]}
      />
    </>
  );
}
