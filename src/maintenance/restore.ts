import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
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
  const manifest = JSON.parse(await readFile(join(directory, MANIFEST), 'utf8')) as BackupManifest;
  if (manifest.format !== 1)
    throw new BackupError(`Unknown backup format ${String(manifest.format)}`);
  if (manifest.migrations > (await appliedMigrations(db))) {
    throw new BackupError('This backup was made by a newer version of Khaznati; upgrade first');
  }
  const tables = await tablesInDependencyOrder(db);
  await assertEmpty(db, blobs, tables);

  const keys = await backedUpBlobKeys(directory);
  try {
    for (const key of keys) await blobs.put(key, createReadStream(blobFile(directory, key)));
    await importRows(db, tables, manifest, directory);
  } catch (error) {
    // The store goes back to empty, so that the restore can simply be run again.
    for (const key of keys) await blobs.delete(key).catch(() => {});
    throw error;
  }
  return manifest;
}

async function importRows(
  db: Database,
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
      );
      if (restored !== saved.rows) {
        throw new BackupError(`Table ${table.name}: ${restored} rows read, ${saved.rows} expected`);
      }
    }
    await resetSequences(db);
  });
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

async function backedUpBlobKeys(directory: string): Promise<string[]> {
  const keys: string[] = [];
  const root = join(directory, 'blobs');
  for (const prefix of await readdir(root)) {
    for (const key of await readdir(join(root, prefix))) {
      // Only names of the server's own key shape: a tampered backup cannot escape the store.
      assertBlobKey(key);
      keys.push(key);
    }
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
