import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { type App, type AppOptions, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logging.js';
import { generateMasterKeyEntry } from '../../src/storage/encryption/index.js';
import type { DatabaseTarget } from './databases.js';

export interface TestApp {
  app: App;
  config: Config;
  /** http://127.0.0.1:<port> */
  url: string;
  dataDir: string;
  /** The environment the app was started with, for a CLI run against the same data. */
  env: Record<string, string>;
  /** Stops the app and frees its database (PGlite admits one process), keeping the data. */
  stop(): Promise<void>;
  /**
   * Stops this app and starts a new one on the same port, over the same DATA_DIR and
   * database: nothing held in memory carries over. `env` is laid over the first one's.
   */
  restart(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Receives every log line (the app's own pino logger writes to it). */
  logStream?: DestinationStream;
  /** Adds routes before the server starts, e.g. one that fails on purpose. */
  beforeListen?: (server: FastifyInstance) => void;
  /** Passed to createApp, e.g. the benchmark switch. */
  app?: Omit<AppOptions, 'logger'>;
}

/** A real server on a random loopback port, with its own data folder and database. */
export async function startTestApp(
  target: DatabaseTarget,
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'khaznati-test-'));
  const database = await target.create();
  const baseEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    SECRET_KEY: 'test-secret-key-test-secret-key-0123456789',
    SECURITY_PASSWORD_SALT: 'test-pepper-0123456789',
    // A fresh master key per app, given as production requires (not generated into DATA_DIR).
    KHAZNATI_MASTER_KEYS: generateMasterKeyEntry('test'),
    // Most tests sign many people in from one loopback address within a minute; the
    // rate-limit tests set the real limit back.
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  };

  async function start(config: Config, port: number): Promise<App> {
    const logger = options.logStream && createLogger(config.logLevel, options.logStream);
    const app = await createApp(config, { ...options.app, logger });
    options.beforeListen?.(app.server);
    await app.server.listen({ host: '127.0.0.1', port });
    return app;
  }

  const config = loadConfig(baseEnv);
  const app = await start(config, 0);
  const { port } = app.server.server.address() as AddressInfo;
  let running = true;

  const handle: TestApp = {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    env: baseEnv,
    async stop() {
      if (running) await handle.app.close();
      running = false;
    },
    async restart(more = {}) {
      await handle.stop();
      handle.env = { ...baseEnv, ...more };
      handle.config = loadConfig(handle.env);
      handle.app = await start(handle.config, port);
      running = true;
    },
    async close() {
      await handle.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
