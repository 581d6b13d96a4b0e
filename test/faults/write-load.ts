/**
 * Concurrent writers that record what every request answered, each touchpoint with an id of the
 * client's own. A write that did not get a 2xx is retried with the same id, as a client should:
 * the service must then store it exactly once.
 */

export interface Outcome {
  id: string;
  sentAt: number;
  answeredAt: number;
  /** 0 when the connection failed. */
  status: number;
  code?: string | undefined;
  retryAfter?: string | null | undefined;
  contentType?: string | null | undefined;
}

export class WriteLoad {
  readonly outcomes: Outcome[] = [];
  readonly acknowledged = new Set<string>();
  #running = false;
  #workers: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly partnerId: string,
    private readonly prefix: string,
    private readonly concurrency = 6,
  ) {}

  start(): void {
    this.#running = true;
    this.#workers = Array.from({ length: this.concurrency }, (_, worker) => this.#work(worker));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
  }

  async #work(worker: number): Promise<void> {
    let n = 0;
    let pending: string | undefined;
    while (this.#running) {
      const id = pending ?? `${this.prefix}-${worker}-${n++}`;
      const outcome = await this.#post(id);
      this.outcomes.push(outcome);
      if (outcome.status === 200 || outcome.status === 201) {
        this.acknowledged.add(id);
        pending = undefined;
      } else {
        pending = id;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async #post(id: string): Promise<Outcome> {
    const sentAt = Date.now();
    try {
      const res = await fetch(`${this.url}/events`, {
        method: 'POST',
        headers: { 'x-api-key': this.key, 'content-type': 'application/json' },
        body: JSON.stringify({ id, partner_id: this.partnerId, deal_id: `deal-${id.length % 5}`, touchpoint_type: 'demo' }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await res.json().catch(() => ({}))) as { code?: string };
      return {
        id,
        sentAt,
        answeredAt: Date.now(),
        status: res.status,
        code: body.code,
        retryAfter: res.headers.get('retry-after'),
        contentType: res.headers.get('content-type'),
      };
    } catch {
      return { id, sentAt, answeredAt: Date.now(), status: 0 };
    }
  }

  /** Outcomes of requests sent at or after `since`. */
  sentSince(since: number, until = Infinity): Outcome[] {
    return this.outcomes.filter((outcome) => outcome.sentAt >= since && outcome.sentAt < until);
  }

  /** The first answer at or after `since` that matches. */
  firstAnswer(since: number, matches: (outcome: Outcome) => boolean): Outcome | undefined {
    return this.outcomes
      .filter((outcome) => outcome.answeredAt >= since && matches(outcome))
      .sort((a, b) => a.answeredAt - b.answeredAt)[0];
  }
}

export const isAcknowledged = (outcome: Outcome) => outcome.status === 200 || outcome.status === 201;
