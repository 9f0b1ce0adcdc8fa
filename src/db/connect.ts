import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { projectRoot } from '../paths.js';
import { isDatabaseUnavailable } from './availability.js';
import { lockDatabaseFolder } from './pglite-lock.js';
import * as schema from './schema.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Applies every migration not yet recorded; each runs once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = join(projectRoot, 'drizzle');
// Any constant will do: it only has to be the same for every instance migrating one database.
const MIGRATION_LOCK = 7_413_201;

export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
}): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(join(options.dataDir, 'db'));
}

async function openPglite(directory: string): Promise<DatabaseHandle> {
  mkdirSync(directory, { recursive: true });
  const unlock = lockDatabaseFolder(directory);
  // The embedded server runs inside this process: small buffers keep a small VPS's memory
  // for uploads (128 MB of shared buffers would triple the resident size for no gain here).
  const client = await PGlite.create(directory, {
    postgresqlconf: ['shared_buffers=16MB', 'work_mem=2MB', 'maintenance_work_mem=8MB'],
  }).catch((error: unknown) => {
    unlock();
    throw error;
  });
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    async close() {
      // Closing writes a shutdown checkpoint: the next start needs no crash recovery.
      if (!client.closed) await client.close();
      unlock();
    },
  };
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // A connection dropped by the server (a restart, pg_terminate_backend) must not take the
  // process down: idle ones are reported to the pool, and a checked-out one (inside a
  // transaction) would otherwise emit an unhandled 'error'. The query in flight still fails
  // (503), and the pool discards the broken connection when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzlePostgres(pool, { schema }) as unknown as Database;

  async function migrate() {
    // Several instances may start at once: one applies the migrations, the others wait.
    const client = await connectWhenReady(pool);
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  }

  return {
    db,
    kind: 'postgres',
    migrate,
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
}

const STARTUP_WAIT_MS = 60_000;

/**
 * At boot the database may still be starting (a machine or a compose stack coming up):
 * wait for it a bounded time rather than exiting. Once running, the pool replaces dropped
 * connections by itself; requests in the gap answer 503 (see `isDatabaseUnavailable`).
 */
async function connectWhenReady(pool: pg.Pool): Promise<pg.PoolClient> {
  const deadline = Date.now() + STARTUP_WAIT_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await pool.connect();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
