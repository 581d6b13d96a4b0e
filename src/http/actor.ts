import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Actor } from '../services/audit.js';

/** Who makes this (authenticated) request's write, for the audit log. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal;
  if (!principal) throw new AppError('unauthorized', 'Send an API key in the X-API-Key header (or Authorization: Bearer <key>)');
  return { keyId: principal.keyId, keyName: principal.keyName };
}
