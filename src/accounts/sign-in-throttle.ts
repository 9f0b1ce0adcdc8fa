import { createHmac } from 'node:crypto';
import type { FailureStore } from './failure-store.js';
import { normalizeEmail } from './users.js';

/** Failures on one account within an hour before it must wait. */
export const ACCOUNT_FAILURE_LIMIT = 10;
const FAILURE_WINDOW_MS = 3600_000;
const FIRST_LOCK_MS = 60_000;
const LONGEST_LOCK_MS = 3600_000;

/** One minute at the limit, then twice as long after each further failure, up to an hour. */
export function lockDurationMs(failures: number): number {
  if (failures < ACCOUNT_FAILURE_LIMIT) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** (failures - ACCOUNT_FAILURE_LIMIT), LONGEST_LOCK_MS);
}

/**
 * Guessing passwords for one account from many addresses slips past the per-address limit;
 * this counts failures per account instead. It counts for any email, known or not, so being
 * made to wait reveals nothing about which accounts exist. Checked before any hashing.
 */
export class SignInThrottle {
  private readonly hashKey: Buffer;

  constructor(
    private readonly store: FailureStore,
    secretKey: string,
    private readonly now: () => number = Date.now,
  ) {
    // A key of its own, so these hashes can never double as cookie signatures.
    this.hashKey = createHmac('sha256', secretKey).update('khaznati sign-in throttle').digest();
  }

  /** Stored under a keyed hash: the store never holds an email. */
  keyFor(email: string): string {
    return createHmac('sha256', this.hashKey).update(normalizeEmail(email)).digest('hex');
  }

  /** Seconds to wait before this account may try again; 0 when it may try now. */
  async retryAfterSeconds(key: string): Promise<number> {
    const record = await this.store.read(key, this.now());
    if (!record) return 0;
    const lockedUntil = record.lastAt + lockDurationMs(record.count);
    return Math.max(0, Math.ceil((lockedUntil - this.now()) / 1000));
  }

  async recordFailure(key: string): Promise<void> {
    const now = this.now();
    const { count } = await this.store.record(key, now, FAILURE_WINDOW_MS);
    // A lock must not outlast the memory of why it was set: the count is kept for an hour
    // past the lock's end, so the next failure after it doubles the delay again.
    const lock = lockDurationMs(count);
    if (lock > 0) await this.store.extend(key, now, lock + FAILURE_WINDOW_MS);
  }

  async clear(key: string): Promise<void> {
    await this.store.clear(key);
  }
}
