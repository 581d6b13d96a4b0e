import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { sendProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The requests being served now, one line each: what a shutdown that runs out of time abandons. */
    requestsInFlight(): string[];
  }
}

/**
 * Shutting down: a request that still arrives (on a kept-alive connection) gets a 503 problem
 * with `Connection: close`, which load balancers retry on another instance. Fastify's own answer
 * (return503OnClosing, turned off in app.ts) is a body of its own shape.
 */
export const drainPlugin = fp(
  async (app) => {
    let closing = false;
    const inFlight = new Map<FastifyRequest, number>();
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', async (request, reply) => {
      if (closing) {
        reply.header('connection', 'close');
        return sendProblem(reply, 'unavailable', 'This instance is shutting down; retry the request');
      }
      inFlight.set(request, Date.now());
    });
    // A request that was already in flight ends its keep-alive connection too, or it would hold the drain.
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
    const done = async (request: FastifyRequest) => {
      inFlight.delete(request);
    };
    app.addHook('onResponse', done);
    app.addHook('onRequestAbort', done);
    app.decorate('requestsInFlight', () =>
      [...inFlight].map(([request, since]) => `${request.method} ${request.url} (${request.id}, ${Date.now() - since} ms)`),
    );
  },
  { name: 'drain', dependencies: ['errors'] },
);
