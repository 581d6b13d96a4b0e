/** The API's answers the dashboard reads (see /openapi.json for the full contract). */

export interface Analytics {
  period: { start_date: string | null; end_date: string | null };
  currency: string;
  overview: {
    total_deals: number;
    total_revenue: number;
    avg_deal_size: number;
    attributed_revenue: number;
    unattributed_revenue: number;
    active_partners: number;
    touchpoints: number;
  };
  monthly: { month: string; deals: number; revenue: number; attributed_revenue: number }[];
  partners: { partner_id: string; name: string; deals: number; attributed_revenue: number; avg_percentage: number }[];
  models: { model: string; deals: number; revenue: number }[];
  touchpoints: TouchpointCount[];
  recent_deals: { id: string; amount: number; currency: string; closed_date: string; attribution_model: string; touchpoints: number }[];
}

export interface TouchpointCount {
  touchpoint_type: string;
  count: number;
}

export interface PartnerAnalytics {
  partner: { id: string; name: string; email: string; status: string };
  currency: string;
  totals: { deals: number; attributed_revenue: number; avg_percentage: number; touchpoints: number };
  monthly: { month: string; deals: number; attributed_revenue: number }[];
  touchpoints: TouchpointCount[];
  deals: { deal_id: string; amount: number; currency: string; closed_date: string; model: string; percentage: number; payout: number }[];
}

export interface Deal {
  id: string;
  amount: number;
  currency: string;
  closed_date: string;
  attribution_model: string;
  status: 'won' | 'lost';
  events: { id: string; partner_id: string; touchpoint_type: string; timestamp: string }[];
}

export interface AttributionLine {
  partner_id: string;
  partner_name: string;
  percentage: number;
  payout: number;
  touchpoints: number;
  role: string;
}

export interface Attribution {
  deal_id: string;
  total_amount: number;
  currency: string;
  model: string;
  attributions: AttributionLine[];
  calculated_at: string;
}

export interface Comparison {
  deal_id: string;
  total_amount: number;
  currency: string;
  models: Record<string, AttributionLine[]>;
}

export interface Settings {
  default_model: string;
  role_weights: Record<string, number>;
  half_life_days: number;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  partner_id: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface Page<T> {
  data: T[];
  pagination: { limit: number; offset: number; total: number };
}

export interface ExplainedTouchpoint {
  id: string;
  partner_id: string;
  touchpoint_type: string;
  timestamp: string;
  weight: number;
  rule: string;
}

export interface ExplainedPartner {
  partner_id: string;
  partner_name: string;
  weight: number;
  share: { numerator: string; denominator: string };
  /** Major units as a decimal string, ending in "…" where it is cut. */
  exact_payout: string;
  payout: number;
  rounding_units: number;
  percentage: number;
  touchpoints: ExplainedTouchpoint[];
}

export interface Explanation {
  deal_id: string;
  total_amount: number;
  currency: string;
  model: string;
  settings: { lookback_days: number | null; role_weights?: Record<string, number>; half_life_days?: number };
  fit?: { version: number; fitted_at: string; won_deals: number; lost_deals: number; lookback_days: number | null };
  fallback?: 'equal';
  partners: ExplainedPartner[];
  excluded: ExplainedTouchpoint[];
  rounding: { method: string; leftover_units: number; tie_break: string };
}

export interface PayoutPeriod {
  id: string;
  /** UTC days, both inclusive. */
  start_date: string;
  end_date: string;
  status: 'open' | 'locked' | 'paid';
  created_at: string;
  locked_at: string | null;
  paid_at: string | null;
  payment_reference: string | null;
}

/** What a lock fixes of a period, as a statement repeats it. */
export interface StatementPeriod {
  id: string;
  start_date: string;
  end_date: string;
  locked_at: string | null;
}

/** Money in these is in major units, as the API totals it: shown, never summed here. */
export interface PeriodStatements {
  period: StatementPeriod;
  data: { partner_id: string; partner_name: string; currency: string; deals_total: number; adjustments_total: number; total: number }[];
}

export interface PayoutAdjustment {
  id: string;
  partner_id: string;
  deal_id: string;
  currency: string;
  amount: number;
  reason: string;
  created_at: string;
  original_period_id: string;
}

export interface PartnerStatement {
  period: StatementPeriod;
  partner: { id: string; name: string };
  lines: { deal_id: string; closed_date: string; amount: number; currency: string; model: string; percentage: number; payout: number }[];
  adjustments: PayoutAdjustment[];
  totals: { currency: string; total: number }[];
}
