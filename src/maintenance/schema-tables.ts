import { sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { rowsOf } from './references.js';

export interface TableInfo {
  name: string;
  columns: string[];
  /** A row may point at another row of the same table (a folder inside a folder). */
  selfReferencing: boolean;
}

/**
 * The app's tables, read from the database itself so that tables added later are backed up
 * without a change here, ordered so that each comes after the tables it references.
 */
export async function tablesInDependencyOrder(db: Database): Promise<TableInfo[]> {
  const columns = rowsOf<{ table_name: string; column_name: string }>(
    await db.execute(sql`
      SELECT c.table_name, c.column_name
      FROM information_schema.columns c
      JOIN information_schema.tables t
        ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`),
  );
  const links = rowsOf<{ child: string; parent: string }>(
    await db.execute(sql`
      SELECT child.relname AS child, parent.relname AS parent
      FROM pg_constraint c
      JOIN pg_class child ON child.oid = c.conrelid
      JOIN pg_class parent ON parent.oid = c.confrelid
      WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`),
  );

  const tables = new Map<string, TableInfo>();
  for (const { table_name, column_name } of columns) {
    const table = tables.get(table_name) ?? {
      name: table_name,
      columns: [],
      selfReferencing: false,
    };
    table.columns.push(column_name);
    tables.set(table_name, table);
  }
  const parents = new Map<string, Set<string>>();
  for (const { child, parent } of links) {
    if (child === parent) {
      const table = tables.get(child);
      if (table) table.selfReferencing = true;
      continue;
    }
    parents.set(child, (parents.get(child) ?? new Set()).add(parent));
  }

  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  while (placed.size < tables.size) {
    const ready = [...tables.values()].filter(
      (table) =>
        !placed.has(table.name) &&
        [...(parents.get(table.name) ?? [])].every((parent) => placed.has(parent)),
    );
    if (ready.length === 0) throw new Error('The tables reference each other in a cycle');
    for (const table of ready) {
      ordered.push(table);
      placed.add(table.name);
    }
  }
  return ordered;
}

/** How many migrations the database has applied (Drizzle records them in its own schema). */
export async function appliedMigrations(db: Database): Promise<number> {
  const [row] = rowsOf<{ count: string | number }>(
    await db.execute(sql`SELECT count(*) AS count FROM drizzle.__drizzle_migrations`),
  );
  return Number(row?.count ?? 0);
}
