import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { type App, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logging.js';
import type { DatabaseTarget } from './databases.js';

export interface TestApp {
  app: App;
  config: Config;
  /** http://127.0.0.1:<port> */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Receives every log line (the app's own pino logger writes to it). */
  logStream?: DestinationStream;
  /** Adds routes before the server starts, e.g. one that fails on purpose. */
  beforeListen?: (server: FastifyInstance) => void;
}

/** A real server on a random loopback port, with its own data folder and database. */
export async function startTestApp(
  target: DatabaseTarget,
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'khaznati-test-'));
  const database = await target.create();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    SECRET_KEY: 'test-secret-key-test-secret-key-0123456789',
    SECURITY_PASSWORD_SALT: 'test-pepper-0123456789',
    // Most tests sign many people in from one loopback address within a minute; the
    // rate-limit tests set the real limit back.
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const logger = options.logStream && createLogger(config.logLevel, options.logStream);
  const app = await createApp(config, { logger });
  options.beforeListen?.(app.server);
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.server.address() as AddressInfo;

  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    async close() {
      await app.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
