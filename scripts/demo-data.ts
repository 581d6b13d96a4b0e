/**
 * A year of plausible partner activity, the same on every run, loaded through the public API:
 * the dashboard's browser tests and its screenshot use it.
 */

export const DEMO_PARTNERS = [
  { id: 'northwind', name: 'Northwind Consulting' },
  { id: 'acme-resell', name: 'Acme Resellers' },
  { id: 'blue-agency', name: 'Blue Harbor Agency' },
  { id: 'integrate-io', name: 'Integrate.io Partners' },
  { id: 'summit', name: 'Summit Advisory' },
  { id: 'lumen', name: 'Lumen Systems' },
] as const;

const TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'] as const;
const MODELS = ['role-based', 'role-based', 'role-based', 'linear', 'time-decay', 'position-based', 'equal', 'first-touch'] as const;

/** A tiny deterministic generator (mulberry32), so the data is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoRequest {
  path: string;
  body: unknown;
}

/** Every write, in order: partners, then each deal's touchpoints as one batch, then the deal. */
export function demoRequests(): DemoRequest[] {
  const next = random(20240101);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const requests: DemoRequest[] = DEMO_PARTNERS.map((partner) => ({
    path: '/partners',
    body: { id: partner.id, name: partner.name, email: `${partner.id}@example.com` },
  }));
  for (let index = 0; index < 36; index++) {
    const month = index % 12;
    const closed = Date.UTC(2024, month, 3 + Math.floor(next() * 24), 9 + Math.floor(next() * 8));
    const dealId = `deal-${String(index + 1).padStart(3, '0')}`;
    const partners = [...DEMO_PARTNERS].sort(() => next() - 0.5).slice(0, index % 9 === 4 ? 0 : 1 + Math.floor(next() * 3));
    const events = partners.flatMap((partner, order) =>
      Array.from({ length: 1 + Math.floor(next() * 2) }, (_, repeat) => ({
        id: `${dealId}-${partner.id}-${repeat}`,
        partner_id: partner.id,
        deal_id: dealId,
        touchpoint_type: order === 0 && repeat === 0 ? 'referral' : pick(TYPES),
        timestamp: new Date(closed - (5 + Math.floor(next() * 40)) * 86_400_000).toISOString(),
      })),
    );
    if (events.length > 0) requests.push({ path: '/events/batch', body: { events } });
    const amount = Math.round((5_000 + next() * 60_000) / 50) * 50;
    requests.push({ path: '/deals', body: { id: dealId, amount, closed_date: new Date(closed).toISOString(), attribution_model: pick(MODELS) } });
  }
  return requests;
}

/** Sends the demo data to a running service with an admin (or write) key. */
export async function loadDemoData(baseUrl: string, apiKey: string): Promise<void> {
  for (const request of demoRequests()) {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
    if (!response.ok) throw new Error(`POST ${request.path}: ${response.status} ${await response.text()}`);
  }
}
