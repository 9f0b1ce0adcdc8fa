import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMasterKeyEntry } from '../src/storage/encryption/index.js';
import type { Cleanup } from './cleanup.js';
import type { BenchContext } from './context.js';
import type { DatabaseKind } from './databases.js';
import { readPeakMemory, type ServerProcess, startServerProcess } from './server-process.js';
import { DatabaseTemplates } from './templates.js';

export interface AppVariant {
  database: DatabaseKind;
  /** Options for `createApp` that only a benchmark sets (see app-variants.ts). */
  appOptions?: object;
}

export interface RunningApp extends ServerProcess {
  variant: AppVariant;
  /** Peak resident memory when it had started; `peakMemory()` counts from then on. */
  startPeak: number;
}

/** The Argon2 secret of every app the benchmark starts; the hash baseline uses it too. */
export const BENCH_PEPPER = 'bench-pepper-0123456789';

/** A master key of this run only: every file the benchmark stores is encrypted under it. */
const BENCH_MASTER_KEYS = generateMasterKeyEntry('bench');

let serial = 0;
const templates = new WeakMap<BenchContext, DatabaseTemplates>();

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

interface Launch {
  name: string;
  dataDir: string;
  databaseUrl?: string;
  appOptions?: object;
  cpuProfileDir?: string;
}

/**
 * The app as production runs it, with the limits that would throttle the benchmark's own
 * traffic raised: the sign-in rate limit (a variable the app ignores until it has one) and
 * the quota.
 */
function launch(ctx: BenchContext, cleanup: Cleanup, spec: Launch) {
  return startServerProcess(cleanup, {
    name: spec.name,
    script: ctx.scripts.app,
    args: [JSON.stringify(spec.appOptions ?? {})],
    logPath: join(ctx.logDir, `${spec.name}.log`),
    cpuProfileDir: spec.cpuProfileDir,
    env: {
      ...baseEnv(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATA_DIR: spec.dataDir,
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      SECURITY_PASSWORD_SALT: BENCH_PEPPER,
      KHAZNATI_MASTER_KEYS: BENCH_MASTER_KEYS,
      ...(spec.databaseUrl ? { DATABASE_URL: spec.databaseUrl } : {}),
      LOG_LEVEL: 'info',
      MAX_UPLOAD_BYTES: String(64 * 1024 ** 3),
      DEFAULT_QUOTA_BYTES: String(1024 ** 4),
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    },
  });
}

function templatesOf(ctx: BenchContext): DatabaseTemplates {
  let found = templates.get(ctx);
  if (!found) {
    found = new DatabaseTemplates(ctx, async (dataDir, databaseUrl) => {
      const name = `app-${++serial}-template`;
      const { cleanup, close } = ctx.cleanup.group(name);
      await launch(ctx, cleanup, { name, dataDir, databaseUrl }).finally(close);
    });
    templates.set(ctx, found);
  }
  return found;
}

/**
 * A fresh app process with its own data folder and database (a copy of a migrated one).
 * Its memory peak is reset once it listens, so `peakMemory()` is the peak of the work the
 * benchmark gives it. Stopping it also drops its database and removes its folder.
 */
export async function startApp(
  ctx: BenchContext,
  variant: AppVariant,
  extra: { cpuProfileDir?: string } = {},
): Promise<RunningApp> {
  const name = `app-${++serial}-${variant.database}`;
  const { cleanup, close } = ctx.cleanup.group(name);
  try {
    const dataDir = await cleanup.tempDir(name, ctx.tempRoot);
    const databaseUrl = await templatesOf(ctx).prepare(variant.database, dataDir, cleanup);
    const server = await launch(ctx, cleanup, {
      name,
      dataDir,
      databaseUrl,
      appOptions: variant.appOptions,
      cpuProfileDir: extra.cpuProfileDir,
    });
    const startPeak = readPeakMemory(server.pid);
    // Writing 5 to clear_refs resets VmHWM to the current resident size (Linux ≥ 4.0).
    writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
    return { ...server, variant, startPeak, stop: close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The bare @tus/server baseline, storing into a folder of its own. */
export async function startBareTus(ctx: BenchContext): Promise<ServerProcess> {
  const name = `bare-tus-${++serial}`;
  const { cleanup, close } = ctx.cleanup.group(name);
  try {
    const directory = await cleanup.tempDir(name, ctx.tempRoot);
    const server = await startServerProcess(cleanup, {
      name,
      script: ctx.scripts.bareTus,
      args: [directory],
      logPath: join(ctx.logDir, `${name}.log`),
      env: baseEnv(),
    });
    return { ...server, stop: close };
  } catch (error) {
    await close();
    throw error;
  }
}
