import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearCache, whenUnauthorized } from './api';
import { hrefOf, useLocation, type Filters, type Route } from './router';
import { clearSession, isAdmin, readIdentity, saveSession, type KeyIdentity } from './session';
import { ApiKeysView } from './views/api-keys';
import { DealView } from './views/deal';
import { FiltersBar } from './views/filters-bar';
import { OverviewView } from './views/overview';
import { PartnerView } from './views/partner';
import { PayoutPeriodView } from './views/payout-period';
import { PayoutPeriodsView } from './views/payout-periods';
import { SettingsView } from './views/settings';
import { SignIn } from './views/sign-in';
import { StatementView } from './views/statement';
import './styles.css';

function App() {
  const [identity, setIdentity] = useState<KeyIdentity | null>(readIdentity);
  const [message, setMessage] = useState<string | null>(null);
  const { route, filters } = useLocation();

  useEffect(() => {
    whenUnauthorized((reason) => {
      setMessage(reason);
      setIdentity(null);
    });
  }, []);

  if (!identity) {
    return (
      <SignIn
        message={message}
        onSignedIn={(key, signedIn) => {
          clearCache();
          saveSession(key, signedIn);
          setMessage(null);
          setIdentity(signedIn);
        }}
      />
    );
  }

  const signOut = () => {
    clearSession();
    clearCache();
    setMessage('Signed out.');
    setIdentity(null);
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={hrefOf(homeOf(identity), filters)}>
          Partner Attribution
        </a>
        <nav aria-label="Main">
          <ul>
            {identity.partner_id === null ? (
              <>
                <NavLink route={{ view: 'overview' }} filters={filters} current={route} label="Overview" />
                <NavLink route={{ view: 'periods' }} filters={filters} current={route} label="Payout periods" />
                {isAdmin(identity) && <NavLink route={{ view: 'settings' }} filters={filters} current={route} label="Settings" />}
                {isAdmin(identity) && <NavLink route={{ view: 'keys' }} filters={filters} current={route} label="API keys" />}
              </>
            ) : (
              <NavLink route={homeOf(identity)} filters={filters} current={route} label="My payouts" />
            )}
          </ul>
        </nav>
        <div class="who">
          <span title={`Key ${identity.prefix}…`}>
            {identity.name}
            {identity.partner_id !== null ? ' (partner portal)' : isAdmin(identity) ? ' (admin)' : ''}
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen route={allowedRoute(route, identity)} filters={filters} identity={identity} />
      </main>
    </>
  );
}

/**
 * A partner-bound key sees its own partner, its deals' lines and its own statements; admin
 * screens need an admin key. Periods and statements are read-only without one.
 */
function allowedRoute(route: Route, identity: KeyIdentity): Route {
  if (identity.partner_id !== null) {
    if (route.view === 'deal') return route;
    if (route.view === 'statement') return { ...route, partnerId: identity.partner_id };
    return homeOf(identity);
  }
  if ((route.view === 'settings' || route.view === 'keys') && !isAdmin(identity)) return { view: 'overview' };
  return route;
}

const homeOf = (identity: KeyIdentity): Route => (identity.partner_id === null ? { view: 'overview' } : { view: 'partner', id: identity.partner_id });

function Screen({ route, filters, identity }: { route: Route; filters: Filters; identity: KeyIdentity }) {
  switch (route.view) {
    case 'overview':
      return (
        <>
          <FiltersBar route={route} filters={filters} />
          <OverviewView filters={filters} />
        </>
      );
    case 'partner':
      return (
        <>
          <FiltersBar route={route} filters={filters} />
          <PartnerView id={route.id} filters={filters} portal={identity.partner_id !== null} />
        </>
      );
    case 'deal':
      return <DealView id={route.id} filters={filters} portalPartner={identity.partner_id} />;
    case 'settings':
      return <SettingsView />;
    case 'keys':
      return <ApiKeysView />;
    case 'periods':
      return <PayoutPeriodsView filters={filters} admin={isAdmin(identity)} />;
    case 'period':
      return <PayoutPeriodView id={route.id} filters={filters} admin={isAdmin(identity)} />;
    case 'statement':
      return <StatementView periodId={route.periodId} partnerId={route.partnerId} filters={filters} portal={identity.partner_id !== null} />;
  }
}

/** The main navigation's entry a view belongs to: a period and its statements are under "Payout periods". */
const sectionOf = (route: Route): Route['view'] => (route.view === 'period' || route.view === 'statement' ? 'periods' : route.view);

function NavLink({ route, filters, current, label }: { route: Route; filters: Filters; current: Route; label: string }) {
  const active = route.view === sectionOf(current);
  return (
    <li>
      <a href={hrefOf(route, filters)} aria-current={active ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
}

const container = document.getElementById('app')!;
container.textContent = ''; // the "Loading…" line shown until this script runs
render(<App />, container);
