export interface ResultRow {
  scenario: string;
  /** Successful requests per second; `rateText` replaces it where another unit says more. */
  rps?: number;
  rateText?: string;
  /** Milliseconds. */
  p50?: number;
  p99?: number;
  baselineRps?: number;
  target?: string;
  /** Whether the target is met; absent when the row has no target. */
  met?: boolean;
  /** The endpoint does not exist in this build of the service. */
  unavailable?: boolean;
}

export interface Report {
  title: string;
  setup: string[];
  rows: ResultRow[];
  notes: string[];
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const formatCount = (value: number) => integer.format(value);

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '—';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export const formatMb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function cells(row: ResultRow): string[] {
  if (row.unavailable) return [row.scenario, 'not available yet', '—', '—', '—', '—', row.target ?? '—', 'not available yet'];
  const percent = row.rps !== undefined && row.baselineRps ? `${((row.rps / row.baselineRps) * 100).toFixed(1)} %` : '—';
  return [
    row.scenario,
    row.rateText ?? (row.rps === undefined ? '—' : formatCount(row.rps)),
    formatMs(row.p50),
    formatMs(row.p99),
    row.baselineRps === undefined ? '—' : formatCount(row.baselineRps),
    percent,
    row.target ?? '—',
    row.met === undefined ? '—' : row.met ? '**pass**' : '**miss**',
  ];
}

export function renderReport(report: Report): string {
  const header = ['Scenario', 'req/s', 'p50', 'p99', 'baseline req/s', '% of baseline', 'target', 'result'];
  const lines = [
    `## ${report.title}`,
    '',
    ...report.setup.map((fact) => `- ${fact}`),
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...report.rows.map((row) => `| ${cells(row).join(' | ')} |`),
    '',
  ];
  if (report.notes.length > 0) lines.push('Notes:', '', ...report.notes.map((note) => `- ${note}`), '');
  return lines.join('\n');
}
