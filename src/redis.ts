import { Redis } from 'ioredis';

const CONNECT_TIMEOUT_MS = 5000;

/**
 * One connection to Redis, ready to use, or a clear failure at start. Commands fail fast
 * while the connection is down rather than queueing without bound; ioredis reconnects by
 * itself in the background.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  // Without a listener an unreachable Redis would crash the process with an unhandled event.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Could not connect to Redis (REDIS_URL): ${(error as Error).message}`);
  }
  return redis;
}
