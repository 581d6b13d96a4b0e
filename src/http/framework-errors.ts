import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { ErrorCode } from '../errors.js';
import { codeForStatus, PROBLEM_CONTENT_TYPE, PROBLEMS, problemBody } from './problem.js';

/**
 * Errors Fastify raises before a route is found, which never reach the error handler:
 * a path that is not valid percent-encoding, or a path parameter longer than `maxParamLength`.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) => {
  const [code, detail]: [ErrorCode, string] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? ['uri_too_long', 'A path segment is longer than any id the API accepts (128 characters)']
      : error.code === 'FST_ERR_BAD_URL'
        ? ['validation_failed', 'The URL path is not valid percent-encoding']
        : [codeForStatus(error.statusCode ?? 400), error.message];
  return reply
    .code(PROBLEMS[code].status)
    .header('x-request-id', request.id)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(code, detail));
};

/** Node's HTTP parser errors (a URL or headers over the size limit, garbage): a problem+json, then close. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail]: [ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', 'The URL or the headers are larger than the server accepts (16 KiB in all)']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['validation_failed', 'The request took too long to arrive']
        : ['validation_failed', 'The request is not valid HTTP'];
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : PROBLEMS[code].status;
  const body = JSON.stringify({ ...problemBody(code, detail), status });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
