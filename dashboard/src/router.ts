import { useEffect, useState } from 'preact/hooks';

/** Hash routes, so the service serves one page and every view has a link that can be shared or reloaded. */
export type Route =
  | { view: 'overview' }
  | { view: 'partner'; id: string }
  | { view: 'deal'; id: string }
  | { view: 'settings' }
  | { view: 'keys' }
  | { view: 'periods' }
  | { view: 'period'; id: string }
  | { view: 'statement'; periodId: string; partnerId: string };

export interface Filters {
  /** Local calendar days, inclusive; empty for an open end. */
  from: string;
  to: string;
  /** Empty: the service's DEFAULT_CURRENCY. */
  currency: string;
}

export interface Location {
  route: Route;
  filters: Filters;
}

export function parseLocation(hash: string): Location {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const filters = { from: params.get('from') ?? '', to: params.get('to') ?? '', currency: params.get('currency') ?? '' };
  const [first, second, third, fourth] = path.split('/').filter(Boolean).map(decodeURIComponent);
  const route: Route =
    first === 'partners' && second ? { view: 'partner', id: second }
    : first === 'payout-periods' && second && third === 'statements' && fourth ? { view: 'statement', periodId: second, partnerId: fourth }
    : first === 'payout-periods' && second ? { view: 'period', id: second }
    : first === 'payout-periods' ? { view: 'periods' }
    : first === 'deals' && second ? { view: 'deal', id: second }
    : first === 'settings' ? { view: 'settings' }
    : first === 'keys' ? { view: 'keys' }
    : { view: 'overview' };
  return { route, filters };
}

/** The hash of `route` with `filters` kept, so moving between views keeps the period and currency. */
export function hrefOf(route: Route, filters: Filters): string {
  const path =
    route.view === 'partner' ? `/partners/${encodeURIComponent(route.id)}`
    : route.view === 'deal' ? `/deals/${encodeURIComponent(route.id)}`
    : route.view === 'periods' ? '/payout-periods'
    : route.view === 'period' ? `/payout-periods/${encodeURIComponent(route.id)}`
    : route.view === 'statement' ? `/payout-periods/${encodeURIComponent(route.periodId)}/statements/${encodeURIComponent(route.partnerId)}`
    : route.view === 'overview' ? '/'
    : `/${route.view}`;
  const query = new URLSearchParams();
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  if (filters.currency) query.set('currency', filters.currency);
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

export function useLocation(): Location {
  const [location, setLocation] = useState(() => parseLocation(window.location.hash));
  useEffect(() => {
    const update = () => setLocation(parseLocation(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return location;
}

export function navigate(route: Route, filters: Filters): void {
  window.location.hash = hrefOf(route, filters);
}
