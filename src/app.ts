import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { deleteExpiredSessions } from './accounts/session.js';
import type { Config } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/connect.js';
import { errorMessageKey } from './errors.js';
import { RedisLocker } from './files/redis-locker.js';
import { purgeTrash, TRASH_RETENTION_MS } from './files/trash.js';
import { createUploadServer, type UploadServer } from './files/uploads.js';
import { registerHealthCheck } from './health.js';
import { connectRedis } from './redis.js';
import { buildServer } from './server.js';
import type { BlobCodec } from './storage/blob-codec.js';
import type { BlobStore } from './storage/blob-store.js';
import { EncryptingCodec } from './storage/encrypting-codec.js';
import { openBlobStore } from './storage/open-blob-store.js';
import { PlainCodecForBenchmarks } from './storage/plain-codec.js';
import { buildAssets } from './web/assets.js';
import { translator } from './web/i18n/index.js';
import { headersLanguage } from './web/i18n/negotiate.js';

export interface App {
  server: FastifyInstance;
  database: DatabaseHandle;
  uploads: UploadServer;
  redis: Redis | undefined;
  blobs: BlobStore;
  codec: BlobCodec;
  /** Removes expired uploads and sessions, and trash past 30 days; run hourly and by the CLI. */
  cleanUp(): Promise<{ uploads: number; trashedFiles: number }>;
  close(): Promise<void>;
}

export interface AppOptions {
  /** Where log lines go; the tests read them from here. Standard output otherwise. */
  logger?: FastifyBaseLogger;
  /**
   * Benchmarks only: the same upload and download path, storing plaintext, to measure what
   * encryption costs. Deliberately not a setting: no variable or flag reaches it.
   */
  benchmarkWithoutEncryption?: boolean;
}

/** Where file bytes are kept; the key commands of the CLI open it too. */
export { openBlobStore };

/** Opens the database (migrating it) and the stores, then builds the server on top. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;

  const blobs = await openBlobStore(config);
  const codec = options.benchmarkWithoutEncryption
    ? new PlainCodecForBenchmarks(blobs)
    : new EncryptingCodec(blobs, config.masterKeys);
  // Uploads used to be staged there in plaintext; their rows are gone (migration 0001).
  await rm(join(config.dataDir, 'uploads'), { recursive: true, force: true });

  const assets = await buildAssets();
  let uploads!: UploadServer;
  const server = await buildServer({
    config,
    db: database.db,
    blobs,
    codec,
    assets,
    redis,
    logger: options.logger,
    uploadsFactory: (log) => {
      uploads = createUploadServer({
        db: database.db,
        blobs,
        codec,
        maxUploadBytes: config.maxUploadBytes,
        expiryMs: config.uploadExpiryMs,
        locker: redis ? new RedisLocker(redis) : undefined,
        log,
        localize: (code, request) =>
          translator(headersLanguage(request.headers))(errorMessageKey(code)),
      });
      return uploads;
    },
  });

  registerHealthCheck(server, {
    database: () => database.db.execute(sql`SELECT 1`),
    storage: (signal) => blobs.init(signal),
    ...(redis ? { redis: () => redis.ping() } : {}),
  });

  async function cleanUp() {
    const removed = await uploads.removeExpired();
    await deleteExpiredSessions(database.db);
    const before = new Date(Date.now() - TRASH_RETENTION_MS);
    const trash = await purgeTrash(database.db, blobs, { before });
    return { uploads: removed, trashedFiles: trash.files };
  }

  return {
    server,
    database,
    uploads,
    redis,
    blobs,
    codec,
    cleanUp,
    async close() {
      await server.close();
      await database.close();
      redis?.disconnect();
      blobs.close?.();
    },
  };
}
