import { sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';

/**
 * Every table with a `blob_key` column points at blobs: today the files, and any table a
 * later change adds (uploads in progress, versions) is covered without a change here.
 */
async function tablesWithBlobKeys(db: Database): Promise<string[]> {
  const result = await db.execute<{ table_name: string }>(sql`
    SELECT table_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND column_name = 'blob_key'
    ORDER BY table_name`);
  return rowsOf<{ table_name: string }>(result).map((row) => row.table_name);
}

/** The keys among `keys` that some row refers to. */
export async function referencedKeys(db: Database, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (keys.length === 0) return found;
  const list = sql.join(
    keys.map((key) => sql`${key}`),
    sql`, `,
  );
  for (const table of await tablesWithBlobKeys(db)) {
    const result = await db.execute<{ blob_key: string }>(
      sql`SELECT blob_key FROM ${sql.identifier(table)} WHERE blob_key IN (${list})`,
    );
    for (const row of rowsOf<{ blob_key: string }>(result)) found.add(row.blob_key);
  }
  return found;
}

/** node-postgres answers `{ rows }`, PGlite too; both through Drizzle's `execute`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
