import type { FastifyInstance } from 'fastify';

/**
 * Personal by default: every response is `no-store` unless a route opts into caching
 * (only fingerprinted static assets do). Whatever a route chose, a response that sets a
 * cookie is never cacheable, or a shared cache could hand one person's cookie to another.
 */
export function registerCachePolicy(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.hasHeader('set-cookie')) reply.header('Cache-Control', 'no-store');
    return payload;
  });
}
