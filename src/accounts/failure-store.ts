import type { Redis } from 'ioredis';

export interface FailureRecord {
  count: number;
  /** Milliseconds since the epoch of the latest failure. */
  lastAt: number;
}

/**
 * Failed attempts per key, forgotten `windowMs` after the latest one. Kept beside the rate
 * limits: in this process's memory, or in Redis when instances share the count.
 */
export interface FailureStore {
  read(key: string, now: number): Promise<FailureRecord | null>;
  record(key: string, now: number, windowMs: number): Promise<FailureRecord>;
  /** Keeps the record until `now + keepMs`. */
  extend(key: string, now: number, keepMs: number): Promise<void>;
  clear(key: string): Promise<void>;
}

// Keys are spread by whoever sends requests: the map must not grow without bound.
const MEMORY_CAPACITY = 100_000;

export class MemoryFailureStore implements FailureStore {
  private readonly entries = new Map<string, FailureRecord & { expiresAt: number }>();

  async read(key: string, now: number): Promise<FailureRecord | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return null;
    }
    return { count: entry.count, lastAt: entry.lastAt };
  }

  async record(key: string, now: number, windowMs: number): Promise<FailureRecord> {
    const previous = await this.read(key, now);
    const entry = { count: (previous?.count ?? 0) + 1, lastAt: now, expiresAt: now + windowMs };
    // Re-inserting moves the key to the end, so the oldest keys are the first to go.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MEMORY_CAPACITY) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return { count: entry.count, lastAt: entry.lastAt };
  }

  async extend(key: string, now: number, keepMs: number): Promise<void> {
    const entry = this.entries.get(key);
    if (entry) entry.expiresAt = now + keepMs;
  }

  async clear(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

export class RedisFailureStore implements FailureStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'khaznati:sign-in-failures:',
  ) {}

  async read(key: string): Promise<FailureRecord | null> {
    const [count, lastAt] = await this.redis.hmget(this.prefix + key, 'count', 'lastAt');
    if (!count || !lastAt) return null;
    return { count: Number(count), lastAt: Number(lastAt) };
  }

  async record(key: string, now: number, windowMs: number): Promise<FailureRecord> {
    const redisKey = this.prefix + key;
    const results = await this.redis
      .multi()
      .hincrby(redisKey, 'count', 1)
      .hset(redisKey, 'lastAt', now)
      .pexpire(redisKey, windowMs)
      .exec();
    const [error, count] = results?.[0] ?? [new Error('Redis transaction was discarded'), 0];
    if (error) throw error;
    return { count: Number(count), lastAt: now };
  }

  async extend(key: string, _now: number, keepMs: number): Promise<void> {
    await this.redis.pexpire(this.prefix + key, keepMs);
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
