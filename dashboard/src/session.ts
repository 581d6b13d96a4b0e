/** Who the signed-in key is (`GET /api-keys/current`). */
export interface KeyIdentity {
  id: string;
  name: string;
  prefix: string;
  scopes: ('read' | 'write' | 'admin')[];
  partner_id: string | null;
}

// sessionStorage only: the key lives as long as the tab, never in localStorage or a cookie.
const KEY = 'partner-attribution.api-key';
const IDENTITY = 'partner-attribution.identity';

export function readKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function readIdentity(): KeyIdentity | null {
  const text = sessionStorage.getItem(IDENTITY);
  return text ? (JSON.parse(text) as KeyIdentity) : null;
}

export function saveSession(key: string, identity: KeyIdentity): void {
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(IDENTITY, JSON.stringify(identity));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(IDENTITY);
}

export const isAdmin = (identity: KeyIdentity) => identity.scopes.includes('admin');
