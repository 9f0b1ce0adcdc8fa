import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';

export interface RedisLockerOptions {
  /** Prefix of every key this locker writes, so that tests and deployments can share Redis. */
  prefix?: string;
  /** A holder that stops renewing (a crashed instance) loses its lock after this long. */
  ttlMs?: number;
  /** How often a holder renews its lock and looks for a request to let it go. */
  renewEveryMs?: number;
  /** How long a request waits for a lock before giving up, as @tus/server's own locker. */
  acquireTimeoutMs?: number;
}

// The value is the holder's token: only the holder renews or releases, even after its
// lock expired and another instance took it.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0`;
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('EXISTS', KEYS[2])`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Upload locks shared by every instance (tus 1.0 asks a server to let one request at a time
 * write to an upload). A request that finds the lock taken leaves a release request beside
 * it; the holder sees it at its next renewal and lets its request end (a stalled PATCH
 * from a dropped mobile connection, usually), as @tus/server's memory locker does within
 * one process.
 */
export class RedisLocker implements Locker {
  private readonly settings: Required<RedisLockerOptions>;

  constructor(
    private readonly redis: Redis,
    options: RedisLockerOptions = {},
  ) {
    this.settings = {
      prefix: 'khaznati:upload-lock:',
      ttlMs: 15_000,
      renewEveryMs: 500,
      acquireTimeoutMs: 30_000,
      ...options,
    };
  }

  newLock(id: string): Lock {
    return new RedisLock(this.redis, this.settings, id);
  }
}

class RedisLock implements Lock {
  private readonly token = randomUUID();
  private readonly keys: [string, string];
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly settings: Required<RedisLockerOptions>,
    id: string,
  ) {
    this.keys = [`${settings.prefix}${id}`, `${settings.prefix}${id}:release`];
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { ttlMs, acquireTimeoutMs } = this.settings;
    const deadline = Date.now() + acquireTimeoutMs;
    for (let wait = 25; ; wait = Math.min(wait * 2, 400)) {
      const acquired = await this.run(ACQUIRE, this.token, ttlMs);
      if (acquired === 1) {
        this.keepAlive(requestRelease);
        return;
      }
      await this.run('redis.call("SET", KEYS[2], "1", "PX", ARGV[2])', this.token, ttlMs);
      if (signal.aborted || Date.now() + wait > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(wait, undefined, { signal }).catch(() => {});
    }
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewal);
    // If Redis cannot be reached now, the lock simply expires after its time to live;
    // failing here would turn a finished PATCH into an error.
    await this.run(RELEASE, this.token, 0).catch(() => {});
  }

  private keepAlive(requestRelease: RequestRelease) {
    let confirmedAt = Date.now();
    let released = false;
    const letGo = () => {
      if (released) return;
      released = true;
      Promise.resolve(requestRelease()).catch(() => {});
    };
    this.renewal = setInterval(() => {
      this.run(RENEW, this.token, this.settings.ttlMs).then(
        (state) => {
          if (state === -1) letGo();
          else confirmedAt = Date.now();
          if (state === 1) letGo();
        },
        () => {
          // Without renewals the lock may already belong to someone else.
          if (Date.now() - confirmedAt > this.settings.ttlMs) letGo();
        },
      );
    }, this.settings.renewEveryMs);
    this.renewal.unref();
  }

  private async run(script: string, token: string, ttlMs: number): Promise<unknown> {
    try {
      return await this.redis.eval(script, 2, ...this.keys, token, String(ttlMs));
    } catch {
      // Redis is out of reach: the upload cannot be coordinated, so the client retries.
      throw refusal();
    }
  }
}

function refusal() {
  const error = new AppError('server_busy');
  return { status_code: error.status, body: `${error.message}\n` };
}
