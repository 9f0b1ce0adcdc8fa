import { hash, verify } from '@node-rs/argon2';
import { Semaphore } from '../concurrency.js';

/**
 * Argon2id, OWASP's second recommended setting: 19 MiB of memory, 2 passes, 1 lane.
 * The parameters travel inside the PHC string, so raising them later only needs a rehash
 * at the next sign-in (see `needsRehash`).
 */
export const ARGON2_PARAMS = {
  algorithm: 2, // Algorithm.Argon2id (a const enum, so spelled out)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

// A few hashes' worth of waiting is "briefly"; past that the person is asked to retry.
const QUEUE_PER_SLOT = 8;
const MAX_WAIT_MS = 1000;

/** NFKC so that the same password typed on two keyboards gives the same hash. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function checkPasswordLength(password: string): 'ok' | 'too_short' | 'too_long' {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (length > PASSWORD_MAX_LENGTH) return 'too_long';
  return 'ok';
}

export async function hashPassword(password: string, pepper: string): Promise<string> {
  return hash(normalizePassword(password), { ...ARGON2_PARAMS, secret: Buffer.from(pepper) });
}

export async function verifyPassword(
  phc: string,
  password: string,
  pepper: string,
): Promise<boolean> {
  try {
    return await verify(phc, normalizePassword(password), { secret: Buffer.from(pepper) });
  } catch {
    return false;
  }
}

export function needsRehash(phc: string): boolean {
  const wanted = `$argon2id$v=19$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}$`;
  return !phc.startsWith(wanted);
}

/**
 * Every hash the server computes goes through here. Each holds 19 MiB and a core for tens
 * of milliseconds, so at most `concurrency` run at once: a flood of sign-ins waits briefly in
 * a bounded queue, then gets BusyError (503) instead of exhausting memory.
 */
export class PasswordHasher {
  private readonly slots: Semaphore;
  private dummyHash: Promise<string> | undefined;
  /** Hashes started so far; lets tests prove that refused requests cost no hashing. */
  hashesStarted = 0;

  constructor(
    private readonly pepper: string,
    concurrency: number,
  ) {
    this.slots = new Semaphore(concurrency, concurrency * QUEUE_PER_SLOT, MAX_WAIT_MS);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => {
      this.hashesStarted++;
      return hashPassword(password, this.pepper);
    });
  }

  verify(phc: string, password: string): Promise<boolean> {
    return this.slots.run(() => {
      this.hashesStarted++;
      return verifyPassword(phc, password, this.pepper);
    });
  }

  /**
   * Verifies against a hash of nothing in particular, for an unknown email: it costs exactly
   * what a wrong password costs, so the time taken cannot reveal which accounts exist.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    await this.verify(await this.prepare(), password);
    return false;
  }

  /** Computes the dummy hash at start, so the first unknown email is not slower either. */
  prepare(): Promise<string> {
    this.dummyHash ??= hashPassword('khaznati-dummy-password-for-timing', this.pepper);
    return this.dummyHash;
  }
}
