import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import type { BenchContext } from './context.js';
import { createPostgresDatabase, type DatabaseKind } from './databases.js';

/** Starts the app once on `dataDir` (and `databaseUrl`), lets it migrate, and stops it. */
export type StartOnce = (dataDir: string, databaseUrl?: string) => Promise<void>;

/**
 * Every measured app starts on a copy of a database the app already created and migrated,
 * as a server restarting on its database does. The very first start is no fair sample:
 * PGlite then creates its cluster, which takes tens of seconds and leaves the process
 * holding several times the memory of a restart.
 */
export class DatabaseTemplates {
  private pglite: Promise<string> | undefined;
  private postgres: Promise<string> | undefined;

  constructor(
    private readonly ctx: BenchContext,
    private readonly startOnce: StartOnce,
  ) {}

  /** Puts a ready database in place for one app; returns its URL when it is Postgres. */
  async prepare(kind: DatabaseKind, dataDir: string, cleanup: Cleanup) {
    if (kind === 'pglite') {
      this.pglite ??= this.makePglite();
      await cp(await this.pglite, join(dataDir, 'db'), { recursive: true });
      return undefined;
    }
    const adminUrl = this.ctx.options.postgresUrl;
    if (!adminUrl) throw new Error('BENCH_DATABASE_URL is not set');
    this.postgres ??= this.makePostgres(adminUrl);
    const database = await createPostgresDatabase(adminUrl, await this.postgres);
    cleanup.add(`database ${database.name}`, database.drop);
    return database.url;
  }

  private async makePglite(): Promise<string> {
    const dir = await this.ctx.cleanup.tempDir('pglite-template', this.ctx.tempRoot);
    await this.startOnce(dir);
    return join(dir, 'db');
  }

  private async makePostgres(adminUrl: string): Promise<string> {
    const database = await createPostgresDatabase(adminUrl);
    this.ctx.cleanup.add(`database ${database.name}`, database.drop);
    await this.startOnce(
      await this.ctx.cleanup.tempDir('pg-template', this.ctx.tempRoot),
      database.url,
    );
    return database.name;
  }
}
