import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type DatabaseKind = 'pglite' | 'postgres';

export const DATABASE_LABELS: Record<DatabaseKind, string> = {
  pglite: 'PGlite',
  postgres: 'Postgres',
};

async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export interface PostgresDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A new database on the server at `adminUrl`, empty or copied from `template`; `drop`
 * removes it. Only names this function made are ever dropped.
 */
export async function createPostgresDatabase(
  adminUrl: string,
  template?: string,
): Promise<PostgresDatabase> {
  const name = `khaznati_bench_${randomBytes(6).toString('hex')}`;
  await asAdmin(adminUrl, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
