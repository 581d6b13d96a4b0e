import { describe, expect, it } from 'vitest';
import { DAYS, MONTHS, YEARS, dayOf, monthLabel, monthOf, monthStart, splitPeriod, yearOf, yearStart } from '../../src/services/analytics/buckets.js';
import { partnerPartsOf } from '../../src/services/analytics/overview.js';

const ms = (iso: string) => Date.parse(iso);

describe('time buckets', () => {
  it.each([
    ['2024-01-01T00:00:00.000Z', '2024-01'],
    ['2024-12-31T23:59:59.999Z', '2024-12'],
    ['1969-12-31T23:59:59.999Z', '1969-12'],
    ['0099-03-01T00:00:00.000Z', '0099-03'],
  ])('%s is in month %s, which starts where the previous one ends', (iso, label) => {
    const month = monthOf(ms(iso));
    expect(monthLabel(month)).toBe(label);
    expect(monthStart(month)).toBeLessThanOrEqual(ms(iso));
    expect(monthStart(month + 1)).toBeGreaterThan(ms(iso));
    expect(monthOf(monthStart(month + 1) - 1)).toBe(month);
  });

  it('counts days in UTC, before 1970 too', () => {
    expect(dayOf(ms('1970-01-01T00:00:00Z'))).toBe(0);
    expect(dayOf(ms('1969-12-31T23:59:59.999Z'))).toBe(-1);
    expect(dayOf(ms('2024-01-15T10:00:00Z'))).toBe(19737);
  });
});

describe('splitPeriod', () => {
  it.each([
    ['no bounds: every bucket, no edges', {}, MONTHS, { first: undefined, last: undefined }, []],
    [
      'whole months',
      { from: ms('2024-01-01T00:00:00Z'), to: ms('2024-03-31T23:59:59.999Z') },
      MONTHS,
      { first: monthOf(ms('2024-01-01T00:00:00Z')), last: monthOf(ms('2024-03-01T00:00:00Z')) },
      [],
    ],
    [
      'ragged ends',
      { from: ms('2024-01-15T12:00:00Z'), to: ms('2024-03-10T00:00:00Z') },
      MONTHS,
      { first: monthOf(ms('2024-02-01T00:00:00Z')), last: monthOf(ms('2024-02-01T00:00:00Z')) },
      [
        { from: ms('2024-01-15T12:00:00Z'), to: ms('2024-01-31T23:59:59.999Z') },
        { from: ms('2024-03-01T00:00:00Z'), to: ms('2024-03-10T00:00:00Z') },
      ],
    ],
    [
      'an open start and a ragged end',
      { to: ms('2024-01-15T12:00:00Z') },
      DAYS,
      { first: undefined, last: dayOf(ms('2024-01-14T00:00:00Z')) },
      [{ from: ms('2024-01-15T00:00:00Z'), to: ms('2024-01-15T12:00:00Z') }],
    ],
    [
      'inside one bucket: all edge',
      { from: ms('2024-01-15T01:00:00Z'), to: ms('2024-01-15T02:00:00Z') },
      DAYS,
      null,
      [{ from: ms('2024-01-15T01:00:00Z'), to: ms('2024-01-15T02:00:00Z') }],
    ],
    [
      'across one boundary with no whole bucket',
      { from: ms('2024-01-31T12:00:00Z'), to: ms('2024-02-01T12:00:00Z') },
      DAYS,
      null,
      [{ from: ms('2024-01-31T12:00:00Z'), to: ms('2024-02-01T12:00:00Z') }],
    ],
    ['a single instant on a boundary', { from: ms('2024-02-01T00:00:00Z'), to: ms('2024-02-01T00:00:00Z') }, DAYS, null, [{ from: ms('2024-02-01T00:00:00Z'), to: ms('2024-02-01T00:00:00Z') }]],
  ])('%s', (_name, period, scheme, buckets, edges) => {
    expect(splitPeriod(period, scheme)).toEqual({ buckets, edges });
  });
});

describe('partnerPartsOf', () => {
  it('reads whole years, then whole months, then the whole days of the partial months, then what is left below a day', () => {
    expect(partnerPartsOf({ from: ms('2023-01-15T12:00:00Z'), to: ms('2024-03-10T23:59:59.999Z') })).toEqual({
      years: null,
      months: [{ first: monthOf(ms('2023-02-01T00:00:00Z')), last: monthOf(ms('2024-02-01T00:00:00Z')) }],
      days: [
        { first: dayOf(ms('2023-01-16T00:00:00Z')), last: dayOf(ms('2023-01-31T00:00:00Z')) },
        { first: dayOf(ms('2024-03-01T00:00:00Z')), last: dayOf(ms('2024-03-10T00:00:00Z')) },
      ],
      edges: [{ from: ms('2023-01-15T12:00:00Z'), to: ms('2023-01-15T23:59:59.999Z') }],
    });
    expect(partnerPartsOf({ from: ms('2023-12-01T00:00:00Z'), to: ms('2025-01-31T23:59:59.999Z') })).toEqual({
      years: { first: 2024, last: 2024 },
      months: [
        { first: monthOf(ms('2023-12-01T00:00:00Z')), last: monthOf(ms('2023-12-01T00:00:00Z')) },
        { first: monthOf(ms('2025-01-01T00:00:00Z')), last: monthOf(ms('2025-01-01T00:00:00Z')) },
      ],
      days: [],
      edges: [],
    });
  });

  it('reads a period inside one day from the shares alone, and all time from the yearly rollup alone', () => {
    const within = { from: ms('2024-01-15T01:00:00Z'), to: ms('2024-01-15T02:00:00Z') };
    expect(partnerPartsOf(within)).toEqual({ years: null, months: [], days: [], edges: [within] });
    expect(partnerPartsOf({})).toEqual({ years: { first: undefined, last: undefined }, months: [], days: [], edges: [] });
  });
});

describe('years', () => {
  it('are UTC calendar years, years 0-99 included', () => {
    expect(yearOf(ms('2024-12-31T23:59:59.999Z'))).toBe(2024);
    expect(yearStart(2025)).toBe(ms('2025-01-01T00:00:00Z'));
    expect(yearStart(99)).toBe(ms('0099-01-01T00:00:00Z'));
    expect(splitPeriod({ from: ms('2024-01-01T00:00:00Z'), to: ms('2024-12-31T23:59:59.999Z') }, YEARS)).toEqual({ buckets: { first: 2024, last: 2024 }, edges: [] });
  });
});
