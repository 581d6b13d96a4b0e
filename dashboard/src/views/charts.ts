import type { ChartConfiguration } from 'chart.js';
import { PALETTE } from '../chart';
import { formatCount, formatMoney, formatMoneyCompact, formatMonth } from '../format';
import type { TouchpointCount } from '../types';

/** Chart configurations shared by the views; each view shows the same figures in a table too. */

export function moneyByMonthChart(
  months: readonly string[],
  series: readonly { label: string; values: readonly number[] }[],
  currency: string,
): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels: months.map(formatMonth),
      datasets: series.map((entry, index) => ({ label: entry.label, data: [...entry.values], backgroundColor: PALETTE[index % PALETTE.length] })),
    },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: { callback: (value) => formatMoneyCompact(Number(value), currency) } },
        x: { title: { display: true, text: 'Month of closing (UTC)' } },
      },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatMoney(Number(item.raw), currency)}` } } },
    },
  };
}

export function touchpointMixChart(touchpoints: readonly TouchpointCount[]): ChartConfiguration {
  return {
    type: 'doughnut',
    data: {
      labels: touchpoints.map((row) => row.touchpoint_type),
      datasets: [{ data: touchpoints.map((row) => row.count), backgroundColor: touchpoints.map((_, index) => PALETTE[index % PALETTE.length]!) }],
    },
    options: {
      plugins: {
        legend: { position: 'right' },
        tooltip: { callbacks: { label: (item) => `${item.label}: ${formatCount(Number(item.raw))}` } },
      },
    },
  };
}

export function horizontalMoneyChart(labels: readonly string[], values: readonly number[], label: string, currency: string): ChartConfiguration {
  return {
    type: 'bar',
    data: { labels: [...labels], datasets: [{ label, data: [...values], backgroundColor: PALETTE[0] }] },
    options: {
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, ticks: { callback: (value) => formatMoneyCompact(Number(value), currency) } } },
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => formatMoney(Number(item.raw), currency) } } },
    },
  };
}
