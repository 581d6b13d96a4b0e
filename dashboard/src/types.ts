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
