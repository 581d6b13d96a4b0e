import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { withQuery } from '../api';
import { ErrorNote } from '../components';
import { formatDateTime, formatExactMoney, formatMinorUnits, formatMoney, formatPercent, TIME_ZONE } from '../format';
import type { ExplainedPartner, ExplainedTouchpoint, Explanation } from '../types';
import { useApi } from '../use-api';

const formatWeight = (weight: number) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 8 }).format(weight);

/**
 * Why each partner got what it got under one model, from `/attribution/:id/explain`. Asked for
 * only once the person opens it (the rate limit is a person's budget), then kept for the session.
 * `models` offers other models than the deal's own; without it the deal's own model is explained.
 */
export function PayoutExplanation({ dealPath, title, ownModel, models }: { dealPath: string; title: string; ownModel?: string | undefined; models?: readonly string[] | undefined }) {
  const [opened, setOpened] = useState(false);
  // '' is the deal's own model, asked without ?model= so the answer is the one GET /attribution serves.
  const [model, setModel] = useState('');
  const explanation = useApi<Explanation>(opened ? withQuery(`/attribution/${dealPath}/explain`, { model: model === ownModel ? undefined : model }) : null);
  return (
    <section class="panel wide explanation" aria-busy={opened && explanation.state === 'loading'}>
      <details onToggle={(event) => event.currentTarget.open && setOpened(true)}>
        <summary>
          <h2>{title}</h2>
        </summary>
        {models && models.length > 1 && (
          <label class="model-pick">
            Model explained
            <select value={model || ownModel} onChange={(event) => setModel(event.currentTarget.value)}>
              {!ownModel && <option value="">the deal's own</option>}
              {models.map((name) => (
                <option key={name} value={name}>
                  {name}
                  {name === ownModel ? ' (in use)' : ''}
                </option>
              ))}
            </select>
          </label>
        )}
        {explanation.state === 'loading' && <p class="loading">Loading…</p>}
        {explanation.state === 'error' && <ErrorNote error={explanation.error} onRetry={explanation.reload} />}
        {explanation.state === 'ready' && <ExplanationBody explanation={explanation.data} />}
      </details>
    </section>
  );
}

function ExplanationBody({ explanation }: { explanation: Explanation }) {
  const { currency } = explanation;
  return (
    <>
      <p>
        Under <strong>{explanation.model}</strong>, each partner gets its weight's share of {formatMoney(explanation.total_amount, currency)}, rounded to
        units of {formatMinorUnits(1, currency)}. Times in {TIME_ZONE}.
      </p>
      {explanation.fallback === 'equal' && <p class="note">Every weight was 0, so the partners shared equally.</p>}
      {explanation.partners.length === 0 && <p class="empty">No partner is credited on this deal.</p>}
      {explanation.partners.map((partner) => (
        <PartnerExplanation key={partner.partner_id} partner={partner} currency={currency} />
      ))}
      {explanation.excluded.length > 0 && (
        <>
          <h3>Left out by the lookback window</h3>
          <TouchpointList touchpoints={explanation.excluded} />
        </>
      )}
      <p class="rounding" data-rounding>
        <strong>Rounding</strong> ({explanation.rounding.method}): every payout is first rounded down;{' '}
        {explanation.rounding.leftover_units === 1 ? '1 leftover unit' : `${explanation.rounding.leftover_units} leftover units`} (of{' '}
        {formatMinorUnits(1, currency)} each) then went to the largest remainders. Ties: {explanation.rounding.tie_break}.
      </p>
      <SettingsUsed explanation={explanation} />
    </>
  );
}

function PartnerExplanation({ partner, currency }: { partner: ExplainedPartner; currency: string }) {
  const units = partner.rounding_units;
  return (
    <article class="explained-partner" data-partner={partner.partner_id}>
      <h3>{partner.partner_name}</h3>
      <dl class="facts">
        <Fact label="Payout">{formatMoney(partner.payout, currency)}</Fact>
        <Fact label="Share">{formatPercent(partner.percentage)}</Fact>
        <Fact label="Weight">{formatWeight(partner.weight)}</Fact>
        <Fact label="Exact share">
          {partner.share.numerator}/{partner.share.denominator}
        </Fact>
        <Fact label="Exact payout">{formatExactMoney(partner.exact_payout, currency)}</Fact>
        <Fact label="Added by rounding">{units === 0 ? 'nothing' : `${units} ${units === 1 ? 'unit' : 'units'} (${formatMinorUnits(units, currency)})`}</Fact>
      </dl>
      <TouchpointList touchpoints={partner.touchpoints} />
    </article>
  );
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-fact={label}>{children}</dd>
    </div>
  );
}

function TouchpointList({ touchpoints }: { touchpoints: ExplainedTouchpoint[] }) {
  return (
    <ol class="explained-touchpoints">
      {touchpoints.map((touchpoint) => (
        <li key={touchpoint.id} data-touchpoint={touchpoint.id}>
          <strong>{touchpoint.touchpoint_type}</strong>, <time dateTime={touchpoint.timestamp} title={TIME_ZONE}>
            {formatDateTime(touchpoint.timestamp)}
          </time>
          , weight{' '}
          {formatWeight(touchpoint.weight)}
          <span class="rule" data-rule>
            {touchpoint.rule}
          </span>
        </li>
      ))}
    </ol>
  );
}

function SettingsUsed({ explanation: { settings, fit } }: { explanation: Explanation }) {
  const lookback = settings.lookback_days === null ? 'none' : `${formatWeight(settings.lookback_days)} days`;
  return (
    <dl class="facts settings-used">
      <Fact label="Lookback window">{lookback}</Fact>
      {settings.role_weights && (
        <Fact label="Role weights">
          {Object.entries(settings.role_weights)
            .map(([role, weight]) => `${role} ${formatWeight(weight)}`)
            .join(', ')}
        </Fact>
      )}
      {settings.half_life_days !== undefined && <Fact label="Half-life">{`${formatWeight(settings.half_life_days)} days`}</Fact>}
      {fit && (
        <Fact label="Fit">
          version {fit.version}, from {fit.won_deals} won and {fit.lost_deals} lost deals, made {formatDateTime(fit.fitted_at)} ({TIME_ZONE})
        </Fact>
      )}
    </dl>
  );
}
