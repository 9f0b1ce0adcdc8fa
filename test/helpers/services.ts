import { randomBytes } from 'node:crypto';

/**
 * Outside services some tests need. Missing on a developer's machine, they skip with the
 * reason; missing in CI (CI=true), they fail, so that a green run never hides a skip.
 */
export function redisUrl(): string | undefined {
  return required('REDIS_URL', process.env.REDIS_URL);
}

export function postgresUrl(): string | undefined {
  return required('TEST_DATABASE_URL', process.env.TEST_DATABASE_URL);
}

/** For `describe(name, { skip })`: false when the variable is set, else why not. */
export function skipWithout(variable: string, value: string | undefined): string | false {
  return value ? false : `needs ${variable} (see README, "To run the database tests")`;
}

function required(variable: string, value: string | undefined): string | undefined {
  if (!value && process.env.CI === 'true') throw new Error(`${variable} must be set in CI`);
  return value;
}

/** A key prefix of its own for one test run, so that parallel runs share one Redis. */
export function uniquePrefix(name: string): string {
  return `khaznati-test:${name}:${randomBytes(6).toString('hex')}:`;
}
