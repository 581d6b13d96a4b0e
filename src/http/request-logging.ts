import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, FastifyChildLoggerFactory } from 'fastify/types/logger.js';

/** Paths whose values must never reach a log line. */
export const REDACTED_LOG_PATHS = ['req.headers["x-api-key"]', 'req.headers.authorization', '*.payout_details', '*.key'];

/** A client's request id is used only when short and plain: it goes into logs and headers as is. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request id: the client's `X-Request-Id` when it is at most 64 characters of `A–Z a–z 0–9 . _ -`,
 * otherwise one of our own.
 * @example requestIdOf({ headers: { 'x-request-id': 'trace-42' } }) // 'trace-42'
 */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : randomUUID();
}

// Query parameters some clients use to carry a key, whatever we accept.
const SECRET_PARAMETERS = /^(api[_-]?key|key|token|access[_-]?token|auth|authorization|x-api-key|secret)$/i;
const API_KEY = /sk_[A-Za-z0-9_-]+/g;

/**
 * A URL safe to log: any `sk_…` token and the values of key-like query parameters replaced.
 * @example redactUrl('/partners?api_key=abc&limit=5') // '/partners?api_key=[redacted]&limit=5'
 */
export function redactUrl(url: string): string {
  const redacted = url.replace(API_KEY, 'sk_[redacted]');
  const query = redacted.indexOf('?');
  if (query === -1) return redacted;
  const parameters = redacted
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const separator = pair.indexOf('=');
      const name = separator === -1 ? pair : pair.slice(0, separator);
      return separator !== -1 && SECRET_PARAMETERS.test(safeDecode(name)) ? `${name}=[redacted]` : pair;
    });
  return `${redacted.slice(0, query)}?${parameters.join('&')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Fastify's request log fields, with the URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogMethod = (...args: unknown[]) => void;
type ParentLogger = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };

/**
 * Fastify's per-request child logger, made only when the request logs something its level lets
 * through. Fastify makes one for every request otherwise (pino copies the bindings and
 * serializers), about 6 % of a stored GET /attribution's CPU at the production level `warn`,
 * where most requests log nothing. What is logged is the same: the real child is made on the
 * first line, with the same bindings. A route with a level of its own gets a real child at once.
 */
export const lazyRequestLogger: FastifyChildLoggerFactory = (logger, bindings, options) =>
  options.level === undefined ? new LazyChildLogger(logger, bindings, options) : logger.child(bindings, options);

class LazyChildLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: ParentLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  private real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  private write(level: LogLevel, args: unknown[]): void {
    if (this.#child === undefined && this.parent.isLevelEnabled?.(level) === false) return;
    const child = this.real();
    (child[level] as LogMethod).apply(child, args);
  }
}
