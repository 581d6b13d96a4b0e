import { Agent, request } from 'node:http';

export interface JsonResponse {
  status: number;
  body: string;
  /** Milliseconds from sending to the last byte. */
  ms: number;
}

/** A keep-alive JSON client for one server; used for seeding and the sequential timings. */
export class JsonClient {
  readonly #agent: Agent;

  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string>,
    maxSockets = 32,
  ) {
    // An idle socket is closed here after 30 s, before the server's keep-alive timeout (Fastify's
    // 72 s) closes it: a request sent on a socket the server is closing at that instant fails with
    // ECONNRESET. Four scenario halves that each waited the 5 s of --quiet-wait on a busy machine
    // took exactly 72 s between the partner seeding and the touchpoint seeding, twice in a row.
    this.#agent = new Agent({ keepAlive: true, maxSockets, timeout: 30_000 });
  }

  send(method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { ...this.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolveResponse, reject) => {
      const started = process.hrtime.bigint();
      const req = request(`${this.baseUrl}${path}`, { method, headers, agent: this.#agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolveResponse({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Sends and insists on a 2xx; the error names the request and shows the answer. */
  async expectOk(method: string, path: string, body?: unknown): Promise<JsonResponse> {
    const response = await this.send(method, path, body);
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${method} ${path} answered ${response.status}: ${response.body.slice(0, 500)}`);
    }
    return response;
  }

  async getJson<T>(path: string): Promise<T> {
    return JSON.parse((await this.expectOk('GET', path)).body) as T;
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Runs `task(0) … task(count - 1)` with at most `concurrency` in flight; the first failure stops the rest. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
