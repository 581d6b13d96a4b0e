import { clearSession, readKey, type KeyIdentity } from './session';

/** A problem+json answer of the API, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait, from Retry-After, on a 429. */
    readonly retryAfter?: number,
    /** Field errors of a 400: `path` is slash-separated, e.g. `role_weights/closer`. */
    readonly fieldErrors: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

type Listener = (reason: string) => void;
let onUnauthorized: Listener = () => undefined;

/** What happens when the API says the key is no longer good: the app goes back to sign-in. */
export function whenUnauthorized(listener: Listener): void {
  onUnauthorized = listener;
}

// GET answers kept for the session: views reuse what has not changed; any write clears them.
const cache = new Map<string, Promise<unknown>>();

export function clearCache(): void {
  cache.clear();
}

async function request(method: string, path: string, body?: unknown, key = readKey(), accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'The service does not answer. Check that it is running, then retry.');
  }
  if (response.ok) return response;
  throw await errorOf(response);
}

async function errorOf(response: Response): Promise<ApiError> {
  const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string; title?: string; errors?: { path: string; message: string }[] };
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after') ?? '60');
    return new ApiError(429, 'rate_limited', `Too many requests for this API key. Retry in ${formatWait(retryAfter)}.`, retryAfter);
  }
  const error = new ApiError(response.status, problem.code ?? 'error', problem.detail ?? problem.title ?? `HTTP ${response.status}`, undefined, problem.errors ?? []);
  if (response.status === 401) {
    clearSession();
    clearCache();
    onUnauthorized('The API key was not accepted: it is unknown or has been revoked. Sign in with a valid key.');
  }
  return error;
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} min (at ${new Date(Date.now() + seconds * 1000).toLocaleTimeString()})`;
}

/** GET `path` as JSON, served from the session's cache when asked before. */
export function getJson<T>(path: string): Promise<T> {
  let answer = cache.get(path);
  if (!answer) {
    answer = request('GET', path).then((response) => response.json());
    // A failure is not remembered: the next visit asks again.
    answer.catch(() => cache.delete(path));
    cache.set(path, answer);
  }
  return answer as Promise<T>;
}

/** A write; every cached answer is dropped, since any of them may have changed. */
export async function send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T | undefined> {
  clearCache();
  const response = await request(method, path, body);
  return response.status === 204 ? undefined : ((await response.json()) as T);
}

/**
 * GET `path` as a file and hand it to the browser as a download named `filename`. The key goes
 * in its header, never in a URL, so the file is fetched and saved from a Blob; `accept` picks
 * the format where the API offers several (a statement's `text/csv`).
 */
export async function download(path: string, filename: string, accept?: string): Promise<void> {
  const blob = await (await request('GET', path, undefined, readKey(), accept)).blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Checks `key` before it is kept: which key it is, or the API's refusal. */
export async function fetchKeyIdentity(key: string): Promise<KeyIdentity> {
  const response = await request('GET', '/api-keys/current', undefined, key).catch((error: unknown) => {
    throw error instanceof ApiError && error.status === 401 ? new ApiError(401, 'unauthorized', 'This API key is unknown or has been revoked.') : error;
  });
  return (await response.json()) as KeyIdentity;
}

/** `path` with the defined `params` as a query string. */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
