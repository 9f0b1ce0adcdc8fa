import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  /** Creates an empty database for one test app; PGlite needs none (it lives in DATA_DIR). */
  create(): Promise<{ url: string | undefined; drop(): Promise<void> }>;
}

const pglite: DatabaseTarget = {
  name: 'pglite',
  create: async () => ({ url: undefined, drop: async () => {} }),
};

/** Each test app gets a database of its own on the server named by TEST_DATABASE_URL. */
function postgres(adminUrl: string): DatabaseTarget {
  return {
    name: 'postgres',
    async create() {
      const name = `khaznati_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const client = new pg.Client({ connectionString: adminUrl });
          await client.connect();
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await client.end();
        },
      };
    },
  };
}

/** PGlite always; real Postgres too when TEST_DATABASE_URL is set. */
export function databaseTargets(): DatabaseTarget[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pglite, postgres(url)] : [pglite];
}
