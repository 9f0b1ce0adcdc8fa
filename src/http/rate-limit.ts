import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import { clientAddress, rateLimitKey } from './client-ip.js';
import { logSecurityEvent } from './security-log.js';

/**
 * Counters per client address (IPv6 by its /64), in memory or, when instances share them,
 * in Redis. Limits run in `onRequest`, before the body is read and before any password is
 * hashed, so a refused request costs almost nothing.
 */
export async function registerRateLimits(app: FastifyInstance, redis: Redis | undefined) {
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: 'khaznati:rate-limit:' } : {}),
    keyGenerator: (request) => rateLimitKey(clientAddress(request)),
    onExceeded: (request) => logSecurityEvent(request, 'rate_limited', 'refused'),
    errorResponseBuilder: (_request, context) =>
      new AppError('rate_limited', { retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
  });
}

/** Route config for sign-in, registration and password change. */
export function attemptLimit(perMinute: number) {
  return { rateLimit: { max: perMinute, timeWindow: 60_000 } };
}
