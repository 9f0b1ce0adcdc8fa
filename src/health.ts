import type { FastifyInstance } from 'fastify';

/** One dependency's check; it should give up when the signal aborts. */
export type HealthCheck = (signal: AbortSignal) => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

/**
 * `GET /healthz` for Docker's HEALTHCHECK and load balancers: 200 when every dependency
 * answers within two seconds, 503 otherwise. The body names only the dependencies and
 * whether each answered; why one failed goes to the log, never to the caller.
 */
export function registerHealthCheck(app: FastifyInstance, checks: Record<string, HealthCheck>) {
  // Asked every few seconds by Docker: only failures are worth a log line, written with the
  // server's logger since this route's own request lines are silenced.
  app.get('/healthz', { logLevel: 'silent' }, async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check);
          return [name, 'ok'] as const;
        } catch (err) {
          app.log.warn({ category: 'app', dependency: name, err }, 'health check failed');
          return [name, 'failing'] as const;
        }
      }),
    );
    const healthy = results.every(([, state]) => state === 'ok');
    return reply
      .code(healthy ? 200 : 503)
      .header('Cache-Control', 'no-store')
      .send({ status: healthy ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
  });
}

async function withTimeout(check: HealthCheck): Promise<void> {
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  const timedOut = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true });
  });
  await Promise.race([check(signal), timedOut]);
}
