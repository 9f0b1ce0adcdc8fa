import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import type { BlobStore } from '../storage/blob-store.js';
import {
  BackupError,
  type BackupManifest,
  blobFile,
  MANIFEST,
  README,
  tableFile,
} from './backup-format.js';
import { rowsOf } from './references.js';
import { appliedMigrations, tablesInDependencyOrder } from './schema-tables.js';

const FETCH_ROWS = 1000;

/**
 * Writes the database (a logical export of every table, through the app's own connection,
 * so PGlite and Postgres give the same format and no pg_dump of a matching version is
 * needed) and every blob into `directory`. The rows come from one read-only snapshot; the
 * blobs are copied while it is held, and every blob a row refers to must be in the backup.
 */
export async function writeBackup(
  db: Database,
  source: BackupManifest['source'],
  blobs: BlobStore,
  directory: string,
): Promise<BackupManifest> {
  await mkdir(directory, { recursive: true });
  if ((await readdir(directory)).length > 0) {
    throw new BackupError(`${directory} is not empty; back up into a new folder`);
  }
  await mkdir(join(directory, 'tables'));
  await mkdir(join(directory, 'blobs'));

  const manifest = await db.transaction(async (tx) => {
    await tx.execute(sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    const db = tx as unknown as Database;
    const tables: BackupManifest['tables'] = [];
    for (const table of await tablesInDependencyOrder(db)) {
      const rows = await exportTable(db, table.name, tableFile(directory, table.name));
      tables.push({ name: table.name, columns: table.columns, rows });
    }
    const copied = await copyBlobs(blobs, directory);
    // Finished files must be complete; an upload in progress may have no bytes yet.
    await checkBlobsPresent(db, 'files', directory);
    return {
      format: 1 as const,
      createdAt: new Date().toISOString(),
      source,
      migrations: await appliedMigrations(db),
      tables,
      blobs: copied,
    };
  });

  await writeFile(join(directory, 'README.txt'), README);
  await writeFile(join(directory, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Rows as Postgres writes them to JSON: exact for bigints, timestamps and text alike. */
async function exportTable(db: Database, table: string, path: string): Promise<number> {
  const cursor = sql.identifier(`backup_${table}`);
  await db.execute(
    sql`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS line FROM ${sql.identifier(table)} t`,
  );
  const file = await open(path, 'wx');
  let count = 0;
  try {
    for (;;) {
      const batch = rowsOf<{ line: string }>(
        await db.execute(sql`FETCH ${sql.raw(String(FETCH_ROWS))} FROM ${cursor}`),
      );
      if (batch.length === 0) break;
      await file.write(`${batch.map((row) => row.line).join('\n')}\n`);
      count += batch.length;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  await db.execute(sql`CLOSE ${cursor}`);
  return count;
}

async function copyBlobs(blobs: BlobStore, directory: string) {
  let count = 0;
  let bytes = 0;
  for await (const key of blobs.list()) {
    const target = blobFile(directory, key);
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await blobs.get(key), createWriteStream(target, { flags: 'wx', flush: true }));
    count++;
    bytes += (await stat(target)).size;
  }
  return { count, bytes };
}

/** A row whose blob was removed during the backup (its file deleted meanwhile) fails it. */
async function checkBlobsPresent(db: Database, table: string, directory: string) {
  const cursor = sql.identifier(`keys_${table}`);
  await db.execute(
    sql`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT blob_key FROM ${sql.identifier(table)}`,
  );
  for (;;) {
    const batch = rowsOf<{ blob_key: string }>(
      await db.execute(sql`FETCH ${sql.raw(String(FETCH_ROWS))} FROM ${cursor}`),
    );
    if (batch.length === 0) break;
    for (const { blob_key } of batch) {
      const present = await stat(blobFile(directory, blob_key)).then(
        () => true,
        () => false,
      );
      if (!present) {
        throw new BackupError(
          `The bytes of a ${table} row (blob ${blob_key}) changed during the backup; run it again`,
        );
      }
    }
  }
  await db.execute(sql`CLOSE ${cursor}`);
}
