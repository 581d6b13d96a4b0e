/**
 * The benchmark's data, a pure function of its sizes and indexes, so every run (and both
 * engines) sees the same partners, deals and touchpoints. Deal i has 1–3 partners and the
 * touchpoints go round-robin over the deals, so N touchpoints on D deals give each deal N/D.
 */

export const TOUCHPOINT_TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'] as const;
/** Cumulative percentages for TOUCHPOINT_TYPES: referral 30, demo 20, intro 15, support 15, closer 15, other 5. */
const TYPE_CUMULATIVE = [30, 50, 65, 80, 95, 100] as const;
/** 30 % of deals name a model; the rest use the settings' default (role-based). */
const OTHER_MODELS = ['linear', 'time-decay', 'position-based'] as const;

const YEAR_START = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

/** A 32-bit hash of two integers (murmur3's finaliser over a simple combination). */
export function hash(a: number, b: number): number {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const partnerId = (index: number) => `bp-${index}`;
export const dealId = (index: number) => `bd-${index}`;

export function partnerBody(index: number) {
  return {
    id: partnerId(index),
    name: `Partner ${index}`,
    email: `partner-${index}@bench.example`,
    payout_details: { bank_account: `DE89370400440${String(hash(index, 1)).padStart(10, '0')}`, tax_id: `TAX-${index}` },
  };
}

export const isWonDeal = (index: number) => hash(index, 3) % 5 !== 0;

function closedAt(index: number): number {
  return YEAR_START + (hash(index, 2) % (365 * 86_400)) * 1000;
}

export function dealBody(index: number) {
  const modelPick = hash(index, 4) % 10;
  return {
    id: dealId(index),
    // Cents as an integer, divided once: the closest double prints with at most 2 decimals.
    amount: (50_000 + (hash(index, 1) % 9_950_000)) / 100,
    closed_date: new Date(closedAt(index)).toISOString(),
    status: isWonDeal(index) ? 'won' : 'lost',
    ...(modelPick >= 7 ? { attribution_model: OTHER_MODELS[modelPick - 7] } : {}),
  };
}

export interface Touchpoint {
  id: string;
  partner_id: string;
  deal_id: string;
  touchpoint_type: (typeof TOUCHPOINT_TYPES)[number];
  timestamp: string;
  metadata: { campaign: string };
}

/** Touchpoint number `n` of a data set with `deals` deals and `partners` partners. */
export function touchpoint(n: number, deals: number, partners: number): Touchpoint {
  const deal = n % deals;
  const poolSize = 1 + (hash(deal, 5) % 3);
  const partner = hash(deal, 10 + (hash(n, 6) % poolSize)) % partners;
  const typePick = hash(n, 7) % 100;
  const type = TOUCHPOINT_TYPES[TYPE_CUMULATIVE.findIndex((bound) => typePick < bound)]!;
  return {
    id: `bt-${n}`,
    partner_id: partnerId(partner),
    deal_id: dealId(deal),
    touchpoint_type: type,
    timestamp: new Date(closedAt(deal) - (hash(n, 8) % (60 * 86_400)) * 1000).toISOString(),
    metadata: { campaign: `c-${n % 50}` },
  };
}

/** Hands out touchpoint numbers in order, so scenarios and seeding never repeat one. */
export class TouchpointCounter {
  next = 0;

  constructor(
    readonly deals: number,
    readonly partners: number,
  ) {}

  take(): Touchpoint {
    return touchpoint(this.next++, this.deals, this.partners);
  }

  batchBody(size: number): string {
    const events: Touchpoint[] = [];
    for (let i = 0; i < size; i++) events.push(this.take());
    return JSON.stringify({ events });
  }
}

/** Milliseconds per day, for callers that build date ranges. */
export { DAY_MS };
