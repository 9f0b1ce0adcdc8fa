import { availableParallelism } from 'node:os';
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

// Each hash holds 19 MiB and a core for tens of milliseconds: a flood of sign-ins must
// queue, not exhaust memory. Waiters past the deadline are told to come back (503).
const hashing = new Semaphore(Math.max(2, availableParallelism()), 64);

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
  return hashing.run(() =>
    hash(normalizePassword(password), { ...ARGON2_PARAMS, secret: Buffer.from(pepper) }),
  );
}

export async function verifyPassword(
  phc: string,
  password: string,
  pepper: string,
): Promise<boolean> {
  return hashing.run(async () => {
    try {
      return await verify(phc, normalizePassword(password), { secret: Buffer.from(pepper) });
    } catch {
      return false;
    }
  });
}

export function needsRehash(phc: string): boolean {
  const wanted = `$argon2id$v=19$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}$`;
  return !phc.startsWith(wanted);
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash to verify against when the email is unknown, so an unknown account costs the same
 * time as a wrong password and the answer cannot reveal which accounts exist.
 */
export function getDummyHash(pepper: string): Promise<string> {
  dummyHash ??= hashPassword('khaznati-dummy-password-for-timing', pepper);
  return dummyHash;
}
