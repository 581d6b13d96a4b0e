import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_WEIGHTS, describeRoles, type TouchpointType } from '../../../src/domain/attribution/index.js';

describe('describeRoles', () => {
  type Weights = Partial<Record<TouchpointType, number>>;
  type Row = [name: string, types: TouchpointType[], weights: Weights, expected: TouchpointType[]];
  it.each<Row>([
    [
      'all six, default weights',
      ['other', 'support', 'intro', 'demo', 'referral', 'closer'],
      {},
      ['closer', 'referral', 'demo', 'intro', 'support', 'other'],
    ],
    ['demo and intro tie at 15: canonical order', ['intro', 'demo'], {}, ['demo', 'intro']],
    ['repeats listed once', ['referral', 'closer', 'referral', 'closer'], {}, ['closer', 'referral']],
    ['a custom weight moves a role up', ['demo', 'intro', 'closer'], { intro: 50 }, ['intro', 'closer', 'demo']],
    [
      'custom ties fall back to the canonical order',
      ['other', 'closer', 'support'],
      { closer: 10, other: 10 },
      ['closer', 'support', 'other'],
    ],
    [
      'all zero: canonical order',
      ['other', 'demo', 'referral'],
      { other: 0, demo: 0, referral: 0 },
      ['referral', 'demo', 'other'],
    ],
    ['nothing', [], {}, []],
  ])('%s', (_name, types, overrides, expected) => {
    expect(describeRoles(types, { ...DEFAULT_ROLE_WEIGHTS, ...overrides })).toEqual(expected);
  });
});
