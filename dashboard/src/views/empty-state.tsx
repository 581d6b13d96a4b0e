/** What a fresh install shows instead of empty charts: how to add the first data (the README's walkthrough). */
export function GettingStarted() {
  const origin = window.location.origin;
  const commands = `export API_KEY=$(grep '^API_KEY=' .env.local | cut -d= -f2)
H=(-H "X-API-Key: $API_KEY" -H "Content-Type: application/json")

curl -s "\${H[@]}" -X POST ${origin}/partners -d '{"id": "p1", "name": "Alice", "email": "alice@example.com"}'
curl -s "\${H[@]}" -X POST ${origin}/partners -d '{"id": "p2", "name": "Bob", "email": "bob@example.com"}'
curl -s "\${H[@]}" -X POST ${origin}/events/batch -d '{"events": [
  {"id": "t1", "partner_id": "p1", "deal_id": "deal-123", "touchpoint_type": "referral", "timestamp": "2024-01-15T10:00:00Z"},
  {"id": "t2", "partner_id": "p2", "deal_id": "deal-123", "touchpoint_type": "demo",     "timestamp": "2024-01-17T10:00:00Z"},
  {"id": "t3", "partner_id": "p1", "deal_id": "deal-123", "touchpoint_type": "closer",   "timestamp": "2024-01-19T10:00:00Z"}]}'
curl -s "\${H[@]}" -X POST ${origin}/deals -d '{"id": "deal-123", "amount": 50000, "closed_date": "2024-01-20T15:00:00Z"}'`;
  return (
    <section class="panel wide getting-started">
      <h2>No data yet</h2>
      <p>
        The dashboard shows what the API knows, and it knows nothing yet. Add partners, their touchpoints on a deal, and the deal when it closes; your CRM
        would do this through the same endpoints. From the service's directory:
      </p>
      <pre tabIndex={0}>
        <code>{commands}</code>
      </pre>
      <p>
        Then reload this page. The full walkthrough is in the README; every endpoint is documented at <a href="/docs">/docs</a>.
      </p>
    </section>
  );
}
