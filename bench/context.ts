import type { Cleanup } from './cleanup.js';
import type { DatabaseKind } from './databases.js';
import type { BenchOptions } from './options.js';

export interface BenchContext {
  options: BenchOptions;
  cleanup: Cleanup;
  /** This run's private temporary folder. */
  tempRoot: string;
  /** Server logs, kept until the end of the run for diagnosing a failure. */
  logDir: string;
  scripts: { app: string; bareTus: string };
  /** The databases measured: PGlite always, Postgres when BENCH_DATABASE_URL is set. */
  databases: DatabaseKind[];
  log(message: string): void;
}

/** Alternation: even rounds run the baseline first, odd rounds Khaznati first. */
export function baselineFirst(round: number): boolean {
  return round % 2 === 0;
}
