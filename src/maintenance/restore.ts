import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type SQL, sql } from 'drizzle-orm';
import { isDatabaseUnavailable } from '../db/availability.js';
import type { Database } from '../db/connect.js';
import { storedBlobs } from '../files/stored-blobs.js';
import { assertBlobKey, type BlobStore } from '../storage/blob-store.js';
import {
  BackupError,
  type BackupManifest,
  blobFile,
  MANIFEST,
  tableFile,
} from './backup-format.js';
import { rowsOf } from './references.js';
import { appliedMigrations, type TableInfo, tablesInDependencyOrder } from './schema-tables.js';
import { storedSizeMatches } from './verify.js';

const INSERT_ROWS = 500;

/**
 * Restores a backup into a fresh install: the database must hold no rows and the blob
 * store no blobs, so a restore never mixes with live data. Blobs are written first; the
 * rows then go in one transaction, all or nothing.
 */
export async function restoreBackup(
  db: Database,
  blobs: BlobStore,
  directory: string,
): Promise<BackupManifest> {
  const manifest = await readManifest(directory);
  if (manifest.migrations > (await appliedMigrations(db))) {
    throw new BackupError('This backup was made by a newer version of Khaznati; upgrade first');
  }
  const tables = await tablesInDependencyOrder(db);
  await assertEmpty(db, blobs, tables);

  // Every part is checked before anything is written, so a damaged backup changes nothing.
  await assertTablesPresent(manifest, directory);
  const keys = await backedUpBlobKeys(directory, manifest);
  try {
    for (const key of keys) await blobs.put(key, createReadStream(blobFile(directory, key)));
    await importRows(db, blobs, tables, manifest, directory);
  } catch (error) {
    // The store goes back to empty, so that the restore can simply be run again.
    for (const key of keys) await blobs.delete(key).catch(() => {});
    throw error;
  }
  return manifest;
}

async function importRows(
  db: Database,
  blobs: BlobStore,
  tables: TableInfo[],
  manifest: BackupManifest,
  directory: string,
) {
  await db.transaction(async (tx) => {
    const db = tx as unknown as Database;
    for (const table of tables) {
      const saved = manifest.tables.find((entry) => entry.name === table.name);
      if (!saved) continue;
      const unknown = saved.columns.filter((column) => !table.columns.includes(column));
      if (unknown.length > 0) {
        throw new BackupError(
          `Table ${table.name} no longer has the column(s) ${unknown.join(', ')}`,
        );
      }
      const restored = await importTable(
        db,
        table,
        saved.columns,
        tableFile(directory, table.name),
      ).catch((error: Error) => {
        if (isDatabaseUnavailable(error)) throw error;
        // The driver's own words only: Drizzle's message would repeat the rows themselves.
        const cause = error.cause instanceof Error ? error.cause.message : error.message;
        throw new BackupError(`The backup is damaged: table ${table.name} (${cause})`);
      });
      if (restored !== saved.rows) {
        throw new BackupError(
          `The backup is damaged: table ${table.name} holds ${restored} row(s), ` +
            `its manifest lists ${saved.rows}`,
        );
      }
    }
    await resetSequences(db);
    await assertFilesWhole(db, blobs);
  });
}

async function readManifest(directory: string): Promise<BackupManifest> {
  const text = await readFile(join(directory, MANIFEST), 'utf8').catch(() => {
    throw new BackupError(
      `${directory} has no ${MANIFEST}: it is not a Khaznati backup, or one that did not finish`,
    );
  });
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    throw new BackupError(`${MANIFEST} in ${directory} is damaged; use another backup`);
  }
  if (manifest?.format !== 1) {
    throw new BackupError(`Unknown backup format ${String(manifest?.format)}`);
  }
  if (!Array.isArray(manifest.tables) || typeof manifest.blobs?.count !== 'number') {
    throw new BackupError(`${MANIFEST} in ${directory} is damaged; use another backup`);
  }
  return manifest;
}

async function assertTablesPresent(manifest: BackupManifest, directory: string) {
  for (const table of manifest.tables) {
    const present = await stat(tableFile(directory, table.name)).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!present) {
      throw new BackupError(`The backup is missing tables/${table.name}.jsonl; use another backup`);
    }
  }
}

/** A file row restored without its whole blob would be a listed file with missing bytes. */
async function assertFilesWhole(db: Database, blobs: BlobStore) {
  for await (const blob of storedBlobs(db)) {
    if (blob.kind !== 'file') continue;
    const problem = await storedSizeMatches(blob, blobs);
    if (problem) {
      throw new BackupError(
        `The backup is damaged: the bytes of file ${blob.id} (blob ${blob.blobKey}) ${problem}`,
      );
    }
  }
}

async function assertEmpty(db: Database, blobs: BlobStore, tables: TableInfo[]) {
  for (const table of tables) {
    const [row] = rowsOf<{ found: boolean }>(
      await db.execute(sql`SELECT EXISTS (SELECT 1 FROM ${sql.identifier(table.name)}) AS found`),
    );
    if (row?.found) throw new BackupError(`The database is not empty (table ${table.name})`);
  }
  for await (const _key of blobs.list()) {
    throw new BackupError('The blob store is not empty; restore into a fresh DATA_DIR');
  }
}

async function backedUpBlobKeys(directory: string, manifest: BackupManifest) {
  const keys: string[] = [];
  let bytes = 0;
  const root = join(directory, 'blobs');
  const prefixes = await readdir(root).catch(() => {
    throw new BackupError('The backup has no blobs folder; use another backup');
  });
  for (const prefix of prefixes) {
    for (const key of await readdir(join(root, prefix))) {
      // Only names of the server's own key shape: a tampered backup cannot escape the store.
      try {
        assertBlobKey(key);
      } catch {
        throw new BackupError(`The backup holds an unexpected file blobs/${prefix}/${key}`);
      }
      keys.push(key);
      bytes += (await stat(blobFile(directory, key))).size;
    }
  }
  const listed = manifest.blobs;
  if (keys.length !== listed.count || bytes !== listed.bytes) {
    throw new BackupError(
      `The backup is damaged: it holds ${keys.length} blob(s) of ${bytes} bytes, ` +
        `its manifest lists ${listed.count} of ${listed.bytes} bytes`,
    );
  }
  return keys;
}

/**
 * Postgres turns the JSON back into typed rows (json_populate_recordset), so values never
 * pass through JavaScript numbers. Columns added since the backup take their defaults.
 */
async function importTable(
  db: Database,
  table: TableInfo,
  columns: string[],
  path: string,
): Promise<number> {
  const list = sql.join(
    columns.map((column) => sql.identifier(column)),
    sql`, `,
  );
  const insert = (json: string): SQL =>
    sql`INSERT INTO ${sql.identifier(table.name)} (${list}) OVERRIDING SYSTEM VALUE
        SELECT ${list} FROM json_populate_recordset(NULL::${sql.identifier(table.name)}, ${json}::json)`;

  // Foreign keys are checked at the end of each statement: a table whose rows point at each
  // other goes in as one statement, so a parent may come after its child in the file.
  const batchSize = table.selfReferencing ? Number.POSITIVE_INFINITY : INSERT_ROWS;
  let batch: string[] = [];
  let count = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    batch.push(line);
    if (batch.length >= batchSize) {
      await db.execute(insert(`[${batch.join(',')}]`));
      count += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await db.execute(insert(`[${batch.join(',')}]`));
    count += batch.length;
  }
  return count;
}

/** A restored table with a serial or identity column continues after its highest value. */
async function resetSequences(db: Database) {
  const owned = rowsOf<{ table_name: string; column_name: string; sequence: string }>(
    await db.execute(sql`
      SELECT table_name, column_name,
        pg_get_serial_sequence(quote_ident(table_name), column_name) AS sequence
      FROM information_schema.columns
      WHERE table_schema = current_schema()
        AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL`),
  );
  for (const { table_name, column_name, sequence } of owned) {
    const column = sql.identifier(column_name);
    await db.execute(sql`
      SELECT setval(${sequence}, COALESCE(MAX(${column}), 1), MAX(${column}) IS NOT NULL)
      FROM ${sql.identifier(table_name)}`);
  }
}
