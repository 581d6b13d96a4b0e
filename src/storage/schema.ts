import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database, described once. Times are epoch milliseconds, money is integer minor units
 * with its currency code beside it, JSON is stored as text: the same on SQLite and PostgreSQL.
 */
export interface Database {
  partners: PartnersTable;
  events: EventsTable;
  deals: DealsTable;
  api_keys: ApiKeysTable;
  settings: SettingsTable;
}

export interface PartnersTable {
  id: string;
  name: string;
  email: string;
  email_normalized: string;
  /** AES-256-GCM ciphertext of the payout details JSON, or null. */
  payout_details_encrypted: string | null;
  /** The same details with every value masked; safe to show. */
  payout_details_masked: string | null;
  status: 'active' | 'archived';
  created_at: number;
  updated_at: number;
}

export interface EventsTable {
  /** Recording order: ties between equal timestamps are broken by it. */
  seq: Generated<number>;
  id: string;
  partner_id: string;
  deal_id: string;
  touchpoint_type: string;
  timestamp: number;
  metadata: string | null;
  /** Hash of the request that created the event, to tell an idempotent replay from a conflict. */
  request_hash: string;
  created_at: number;
}

export interface DealsTable {
  id: string;
  amount: number;
  currency: string;
  closed_at: number;
  attribution_model: string;
  status: 'won' | 'lost';
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  /** Comma-separated scopes. */
  scopes: string;
  partner_id: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export type PartnerRow = Selectable<PartnersTable>;
export type NewPartnerRow = Insertable<PartnersTable>;
export type PartnerUpdate = Updateable<PartnersTable>;
export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
export type DealRow = Selectable<DealsTable>;
export type NewDealRow = Insertable<DealsTable>;
export type DealUpdate = Updateable<DealsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
