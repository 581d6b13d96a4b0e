import type { ChartConfiguration } from 'chart.js';
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { ChartCanvas, PALETTE } from '../chart';
import { FigureCard, Panel } from '../components';
import { formatDateTime, formatMoney, formatMoneyCompact, formatPercent, TIME_ZONE } from '../format';
import { hrefOf, type Filters } from '../router';
import type { Attribution, AttributionLine, Comparison, Deal } from '../types';
import { useApi } from '../use-api';
import { PayoutExplanation } from './payout-explanation';

/** A deal: its touchpoints on a timeline and every model's split side by side. A partner's portal sees its own line only. */
export function DealView({ id, filters, portalPartner }: { id: string; filters: Filters; portalPartner: string | null }) {
  const path = encodeURIComponent(id);
  const crumbs = (
    <p class="crumbs">
      <a href={hrefOf(portalPartner ? { view: 'partner', id: portalPartner } : { view: 'overview' }, filters)}>{portalPartner ? 'Your payouts' : 'Overview'}</a> › Deal
    </p>
  );
  const title = (
    <div class="view-title">
      {crumbs}
      <h1>Deal {id}</h1>
    </div>
  );
  if (portalPartner) return <PortalDeal path={path} title={title} />;
  return <FullDeal path={path} title={title} />;
}

function FullDeal({ path, title }: { path: string; title: ComponentChildren }) {
  const deal = useApi<Deal>(`/deals/${path}`);
  const comparison = useApi<Comparison>(`/attribution/${path}/compare`);
  const names = useMemo(() => {
    const map = new Map<string, string>();
    if (comparison.state === 'ready') for (const lines of Object.values(comparison.data.models)) for (const line of lines) map.set(line.partner_id, line.partner_name);
    return map;
  }, [comparison]);
  const ownModel = deal.state === 'ready' ? deal.data.attribution_model : undefined;
  return (
    <div class="grid">
      {title}
      <Panel title="Deal" loaded={deal} onRetry={deal.reload} wide>
        {(data) => (
          <dl class="figures">
            <FigureCard label="Amount" value={formatMoney(data.amount, data.currency)} />
            <FigureCard label="Status" value={data.status} />
            <FigureCard label="Model" value={data.attribution_model} hint="The model its payouts use" />
            <FigureCard label={`Closed (${TIME_ZONE})`} value={formatDateTime(data.closed_date)} />
            <FigureCard label="Touchpoints" value={String(data.events.length)} />
          </dl>
        )}
      </Panel>
      <Panel title="Touchpoints on a timeline" loaded={deal} onRetry={deal.reload} wide>
        {(data) => <Timeline deal={data} names={names} />}
      </Panel>
      <Panel title="Every model side by side" loaded={comparison} onRetry={comparison.reload} wide>
        {(data) => <ModelComparison comparison={data} ownModel={ownModel} />}
      </Panel>
      <PayoutExplanation dealPath={path} title="Why each partner got this" ownModel={ownModel} models={comparison.state === 'ready' ? Object.keys(comparison.data.models) : undefined} />
    </div>
  );
}

function PortalDeal({ path, title }: { path: string; title: ComponentChildren }) {
  const attribution = useApi<Attribution>(`/attribution/${path}`);
  return (
    <div class="grid">
      {title}
      <Panel title="Your line on this deal" loaded={attribution} onRetry={attribution.reload} wide>
        {(data) => {
          const line = data.attributions[0];
          return (
            <dl class="figures">
              <FigureCard label="Deal amount" value={formatMoney(data.total_amount, data.currency)} />
              <FigureCard label="Model" value={data.model} />
              <FigureCard label="Your share" value={line ? formatPercent(line.percentage) : '—'} />
              <FigureCard label="Your payout" value={line ? formatMoney(line.payout, data.currency) : '—'} />
              <FigureCard label="Your touchpoints" value={line ? `${line.touchpoints} (${line.role})` : '—'} />
            </dl>
          );
        }}
      </Panel>
      <PayoutExplanation dealPath={path} title="Why you got this" ownModel={attribution.state === 'ready' ? attribution.data.model : undefined} />
    </div>
  );
}

function Timeline({ deal, names }: { deal: Deal; names: Map<string, string> }) {
  if (deal.events.length === 0) return <p class="empty">No touchpoints were recorded on this deal.</p>;
  const times = [...deal.events.map((event) => Date.parse(event.timestamp)), Date.parse(deal.closed_date)];
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const position = (iso: string) => (last === first ? 50 : ((Date.parse(iso) - first) / (last - first)) * 100);
  const partners = [...new Set(deal.events.map((event) => event.partner_id))];
  return (
    <>
      <div class="timeline" aria-hidden="true">
        {partners.map((partner, index) => (
          <div class="lane" key={partner}>
            <span class="lane-name">{names.get(partner) ?? partner}</span>
            <div class="track">
              {deal.events
                .filter((event) => event.partner_id === partner)
                .map((event) => (
                  <span
                    key={event.id}
                    class="mark"
                    style={{ left: `${position(event.timestamp)}%`, backgroundColor: PALETTE[index % PALETTE.length] }}
                    title={`${event.touchpoint_type}, ${formatDateTime(event.timestamp)}`}
                  >
                    {event.touchpoint_type}
                  </span>
                ))}
              <span class="close-mark" style={{ left: `${position(deal.closed_date)}%` }} title={`closed ${formatDateTime(deal.closed_date)}`} />
            </div>
          </div>
        ))}
      </div>
      <ol class="events">
        {deal.events.map((event) => (
          <li key={event.id}>
            <time dateTime={event.timestamp}>{formatDateTime(event.timestamp)}</time> — <strong>{names.get(event.partner_id) ?? event.partner_id}</strong>:{' '}
            {event.touchpoint_type}
          </li>
        ))}
        <li>
          <time dateTime={deal.closed_date}>{formatDateTime(deal.closed_date)}</time> — deal {deal.status === 'won' ? 'won' : 'lost'}
        </li>
      </ol>
      <p class="hint">Times in {TIME_ZONE}.</p>
    </>
  );
}

function ModelComparison({ comparison, ownModel }: { comparison: Comparison; ownModel: string | undefined }) {
  const models = Object.keys(comparison.models);
  const partners = useMemo(() => {
    const seen = new Map<string, string>();
    for (const lines of Object.values(comparison.models)) for (const line of lines) seen.set(line.partner_id, line.partner_name);
    return [...seen];
  }, [comparison]);
  const lineOf = (model: string, partner: string): AttributionLine | undefined => comparison.models[model]?.find((line) => line.partner_id === partner);
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: models,
        datasets: partners.map(([partnerId, name], index) => ({
          label: name,
          data: models.map((model) => lineOf(model, partnerId)?.payout ?? 0),
          backgroundColor: PALETTE[index % PALETTE.length],
        })),
      },
      options: {
        scales: { y: { beginAtZero: true, ticks: { callback: (value) => formatMoneyCompact(Number(value), comparison.currency) } } },
        plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatMoney(Number(item.raw), comparison.currency)}` } } },
      },
    }),
    [comparison],
  );
  if (partners.length === 0) return <p class="empty">No partner touched this deal, so no model credits anyone.</p>;
  return (
    <>
      <ChartCanvas config={config} tall summary={`Payout to each of ${partners.length} partners under each of ${models.length} models; the table below lists them.`} />
      <div class="table-wrap">
        <table class="comparison">
          <caption>Payout and share per partner under each model{ownModel ? `; the deal's own model is ${ownModel}` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Partner</th>
              {models.map((model) => (
                <th scope="col" key={model} class={`num${model === ownModel ? ' own' : ''}`}>
                  {model}
                  {model === ownModel ? ' (in use)' : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {partners.map(([partnerId, name]) => (
              <tr key={partnerId}>
                <th scope="row">{name}</th>
                {models.map((model) => {
                  const line = lineOf(model, partnerId);
                  return (
                    <td key={model} class={`num${model === ownModel ? ' own' : ''}`} data-model={model} data-partner={partnerId}>
                      {line ? formatMoney(line.payout, comparison.currency) : formatMoney(0, comparison.currency)}
                      <br />
                      <small>{formatPercent(line?.percentage ?? 0)}</small>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
