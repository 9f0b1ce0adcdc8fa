import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type S3Settings, s3Settings, s3Variables } from './config-s3.js';
import {
  loadOrCreateDevKeys,
  MASTER_KEYS_VARIABLE,
  MasterKeyInvalidError,
  type MasterKeyRing,
  parseMasterKeys,
} from './storage/encryption/index.js';

export type Environment = 'development' | 'production' | 'test';

export interface Config {
  env: Environment;
  host: string;
  port: number;
  /** Where embedded data lives: the PGlite database, blobs, uploads in progress, dev secrets. */
  dataDir: string;
  /** Signs cookies. Never logged. */
  secretKey: string;
  /** The Argon2 secret (pepper) mixed into every password hash. Never logged. */
  passwordPepper: string;
  /** Master keys that wrap every file's data key, newest first. They print as ids only. */
  masterKeys: MasterKeyRing;
  /** Real Postgres when set; PGlite in `dataDir/db` otherwise. */
  databaseUrl: string | undefined;
  /** Proxies whose X-Forwarded-For and CF-Connecting-IP we believe (addresses or CIDR ranges). */
  trustedProxies: string[];
  /** Shared rate-limit counters and upload locks when several instances run. */
  redisUrl: string | undefined;
  /** File bytes in an S3-compatible bucket when set; under `dataDir/blobs` otherwise. */
  s3: S3Settings | undefined;
  /** Sign-in and registration attempts allowed per client address (IPv6: per /64) a minute. */
  authRateLimitPerMinute: number;
  /** Argon2 hashes allowed to run at once; more wait briefly, then get 503. */
  passwordHashConcurrency: number;
  maxUploadBytes: number;
  defaultQuotaBytes: number;
  /** Uploads left unfinished this long are removed and their space returned. */
  uploadExpiryMs: number;
  /** The longest a client may take to send one request (headers and body). */
  requestTimeoutMs: number;
  /** A client whose headers or body stall this long is cut off (slow-clients.ts). */
  requestStallMs: number;
  /** How long a stop waits for requests in flight before closing their connections. */
  shutdownGraceMs: number;
  logLevel: string;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

const GIB = 1024 ** 3;

const byteCount = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number of bytes')
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a positive number of bytes')
    .default(fallback);

const positiveCount = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number of ${what}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100_000, `must be between 1 and 100000 ${what}`);

const seconds = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number of seconds')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 86_400, 'must be between 1 and 86400 seconds')
    .default(fallback);

const cidrList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .refine((items) => items.every(isAddressOrRange), 'must be a comma-separated list of IPs/CIDRs');

// Each variable, documented in .env.example, validated here once at start.
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number')
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, 'must be a port number between 0 and 65535')
    .default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  SECURITY_PASSWORD_SALT: z.string().min(16, 'must be at least 16 characters').optional(),
  // Parsed below by parseMasterKeys, whose messages never quote a key.
  KHAZNATI_MASTER_KEYS: z.string().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
    .optional(),
  TRUSTED_PROXIES: cidrList.default(['127.0.0.1/8', '::1/128']),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// connection URL')
    .optional(),
  ...s3Variables,
  AUTH_RATE_LIMIT_PER_MINUTE: positiveCount('attempts').default(5),
  PASSWORD_HASH_CONCURRENCY: positiveCount('hashes').default(availableParallelism()),
  MAX_UPLOAD_BYTES: byteCount(10 * GIB),
  DEFAULT_QUOTA_BYTES: byteCount(5 * GIB),
  // Fractions are allowed so that tests can let an upload expire within seconds.
  UPLOAD_EXPIRY_HOURS: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of hours')
    .transform(Number)
    .refine((n) => n > 0, 'must be more than 0 hours')
    .default(24),
  REQUEST_TIMEOUT_SECONDS: seconds(60 * 60),
  REQUEST_STALL_SECONDS: seconds(60),
  SHUTDOWN_GRACE_SECONDS: seconds(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface LoadOptions {
  /** Told about generated development secrets; the values themselves are never passed. */
  warn?: (message: string) => void;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): Config {
  const input = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // The message names the variable and the rule, never the value (it may be a secret).
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const vars = parsed.data;
  const dataDir = resolve(vars.DATA_DIR);
  const production = vars.NODE_ENV === 'production';

  const secretKey =
    vars.SECRET_KEY ?? developmentSecret('SECRET_KEY', dataDir, production, options.warn);
  const passwordPepper =
    vars.SECURITY_PASSWORD_SALT ??
    developmentSecret('SECURITY_PASSWORD_SALT', dataDir, production, options.warn);
  const masterKeys = readMasterKeys(vars.KHAZNATI_MASTER_KEYS, dataDir, production, options.warn);

  return {
    env: vars.NODE_ENV,
    host: vars.HOST,
    port: vars.PORT,
    dataDir,
    secretKey,
    passwordPepper,
    masterKeys,
    databaseUrl: vars.DATABASE_URL,
    trustedProxies: vars.TRUSTED_PROXIES,
    redisUrl: vars.REDIS_URL,
    s3: s3FromVariables(vars),
    authRateLimitPerMinute: vars.AUTH_RATE_LIMIT_PER_MINUTE,
    passwordHashConcurrency: vars.PASSWORD_HASH_CONCURRENCY,
    maxUploadBytes: vars.MAX_UPLOAD_BYTES,
    defaultQuotaBytes: vars.DEFAULT_QUOTA_BYTES,
    uploadExpiryMs: Math.round(vars.UPLOAD_EXPIRY_HOURS * 3600_000),
    requestTimeoutMs: vars.REQUEST_TIMEOUT_SECONDS * 1000,
    requestStallMs: vars.REQUEST_STALL_SECONDS * 1000,
    shutdownGraceMs: vars.SHUTDOWN_GRACE_SECONDS * 1000,
    logLevel: vars.LOG_LEVEL,
  };
}

/**
 * Outside production a missing secret is generated once and kept in DATA_DIR, so a
 * developer's sessions and password hashes survive restarts. Production must be given one.
 */
function developmentSecret(
  variable: string,
  dataDir: string,
  production: boolean,
  warn?: (message: string) => void,
): string {
  if (production) throw new ConfigError(variable, 'is required when NODE_ENV=production');

  const file = join(dataDir, 'secrets', variable.toLowerCase());
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
    const value = randomBytes(32).toString('base64url');
    writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
    warn?.(`${variable} is not set: generated one for development and kept it in DATA_DIR`);
    return value;
  }
}

/**
 * KHAZNATI_MASTER_KEYS when set; outside production a key generated once into
 * DATA_DIR/secrets. Losing the key loses every file, hence the louder warning.
 */
function readMasterKeys(
  text: string | undefined,
  dataDir: string,
  production: boolean,
  warn?: (message: string) => void,
): MasterKeyRing {
  try {
    if (text !== undefined) return parseMasterKeys(text);
    if (production) {
      throw new ConfigError(MASTER_KEYS_VARIABLE, 'is required when NODE_ENV=production');
    }
    const dev = loadOrCreateDevKeys(dataDir);
    if (dev.created) {
      warn?.(
        `${MASTER_KEYS_VARIABLE} is not set: generated a master key for development and kept ` +
          'it in DATA_DIR/secrets; without it the files stored here cannot be read',
      );
    }
    return dev.ring;
  } catch (error) {
    if (!(error instanceof MasterKeyInvalidError)) throw error;
    const problem = error.message.replace(new RegExp(`^${MASTER_KEYS_VARIABLE}:? `), '');
    throw new ConfigError(MASTER_KEYS_VARIABLE, problem);
  }
}

function s3FromVariables(vars: z.infer<typeof schema>): S3Settings | undefined {
  const result = s3Settings(vars);
  if ('variable' in result) throw new ConfigError(result.variable, result.problem);
  return result.settings;
}

function isAddressOrRange(text: string): boolean {
  const [address, bits, extra] = text.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}
