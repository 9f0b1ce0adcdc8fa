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
import { type OrphanReport, removeOrphanBlobs } from './maintenance/orphans.js';
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
  /**
   * Removes expired uploads and sessions, trash past 30 days and old orphan blobs; run on a
   * schedule and by the CLI.
   */
  cleanUp(): Promise<CleanupReport>;
  /** Runs `cleanUp` on a timer until the app closes. */
  scheduleCleanup(): void;
  /**
   * Stops accepting, lets requests in flight finish for `shutdownGraceMs`, then cuts the
   * ones still running and closes the database, so that it is always closed cleanly.
   */
  close(): Promise<void>;
}

export interface CleanupReport {
  uploads: number;
  sessions: number;
  trashedFiles: number;
  orphans: OrphanReport;
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

/** The database (migrated) and the blob store, for the CLI's maintenance commands. */
export async function openStorage(
  config: Config,
): Promise<{ database: DatabaseHandle; blobs: BlobStore }> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await database.migrate();
    return { database, blobs: await openBlobStore(config) };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Often enough that an expired upload does not linger long; at most once an hour. */
export function cleanupIntervalMs(uploadExpiryMs: number): number {
  return Math.min(3600_000, Math.max(1000, Math.round(uploadExpiryMs / 4)));
}

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

  async function cleanUp(): Promise<CleanupReport> {
    const removed = await uploads.removeExpired();
    const sessions = await deleteExpiredSessions(database.db);
    const before = new Date(Date.now() - TRASH_RETENTION_MS);
    const trash = await purgeTrash(database.db, blobs, { before });
    // A blob untouched for as long as an upload may live belongs to no upload in progress.
    const orphans = await removeOrphanBlobs(database.db, blobs, config.uploadExpiryMs);
    return { uploads: removed, sessions, trashedFiles: trash.files, orphans };
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  function scheduleCleanup() {
    timer = setInterval(() => {
      running = cleanUp().then(
        (report) => {
          if (report.uploads + report.trashedFiles + report.orphans.removed > 0) {
            server.log.info({ category: 'app', ...report }, 'cleanup removed leftovers');
          }
        },
        (err) => server.log.error({ category: 'app', err }, 'cleanup failed'),
      );
    }, cleanupIntervalMs(config.uploadExpiryMs));
    timer.unref();
  }

  async function close() {
    clearInterval(timer);
    const closing = server.close();
    // Past the grace period the remaining connections are cut; a tus upload keeps what
    // arrived and resumes from there, so nothing acknowledged is lost.
    const deadline = setTimeout(() => server.server.closeAllConnections(), config.shutdownGraceMs);
    try {
      await closing;
    } finally {
      clearTimeout(deadline);
    }
    // A cut upload request still stores the bytes it received before the database closes.
    await uploads.settle();
    await running;
    await database.close();
    redis?.disconnect();
    blobs.close?.();
  }

  return {
    server,
    database,
    uploads,
    redis,
    blobs,
    codec,
    cleanUp,
    scheduleCleanup,
    close,
  };
}
