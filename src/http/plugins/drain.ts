import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { sendProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The requests being served now, one line each: what a shutdown that runs out of time abandons. */
    requestsInFlight(): string[];
    /** Whether any request is being served now (the propagation worker then yields to them). */
    hasRequestsInFlight(): boolean;
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
    // Callback hooks, not async ones: every request runs them, and a promise each costs.
    app.addHook('onRequest', (request, reply, done) => {
      if (closing) {
        reply.header('connection', 'close');
        sendProblem(reply, 'unavailable', 'This instance is shutting down; retry the request');
        return;
      }
      inFlight.set(request, Date.now());
      done();
    });
    // A request that was already in flight ends its keep-alive connection too, or it would hold the drain.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });
    app.addHook('onResponse', (request, _reply, done) => {
      inFlight.delete(request);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      inFlight.delete(request);
      done();
    });
    app.decorate('requestsInFlight', () =>
      [...inFlight].map(([request, since]) => `${request.method} ${request.url} (${request.id}, ${Date.now() - since} ms)`),
    );
    app.decorate('hasRequestsInFlight', () => inFlight.size > 0);
  },
  { name: 'drain', dependencies: ['errors'] },
);
