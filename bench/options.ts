import { parseArgs } from 'node:util';

const MIB = 1024 * 1024;

export const ROW_GROUPS = [
  'transfer',
  'encryption',
  'memory',
  'concurrent',
  'sign-in',
  'listing',
  'page-weight',
] as const;
export type RowGroup = (typeof ROW_GROUPS)[number];

export interface BenchOptions {
  quick: boolean;
  groups: RowGroup[];
  rounds: number;
  profile: boolean;
  /** An admin connection URL; each measurement gets a fresh database there. */
  postgresUrl: string | undefined;
  sizes: {
    /** The "1 GiB" of the upload, download and memory rows. */
    largeFile: number;
    /** The "100 MiB" the memory row compares against. */
    smallFile: number;
    concurrentFile: number;
    concurrentUploads: number;
    listingFiles: number;
    pageFiles: number;
  };
  /** Seconds autocannon runs for each measurement. */
  seconds: { signIn: number; listing: number };
}

const USAGE = `Usage: npm run bench -- [--quick] [--only GROUP,...] [--rounds N] [--no-profile]

  --quick        small sizes and short runs, to check the harness (results go to
                 bench/results/, never to BENCHMARKS.md)
  --only         some of: ${ROW_GROUPS.join(', ')}
  --rounds N     alternations of baseline and Khaznati per row (at least 3)
  --no-profile   skip the CPU profile of rows that miss their goal

Environment: BENCH_DATABASE_URL=postgres://user@127.0.0.1:5432/postgres adds the
Postgres rows (a fresh database is created for each measurement and dropped after);
BENCH_QUICK=1 is the same as --quick.`;

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: env.BENCH_QUICK === '1' },
      only: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      'no-profile': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';

  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 3) throw new Error('--rounds must be 3 or more');

  const groups = values.only ? values.only.split(',').map((g) => g.trim()) : [...ROW_GROUPS];
  const unknown = groups.filter((g) => !ROW_GROUPS.includes(g as RowGroup));
  if (unknown.length > 0) throw new Error(`unknown row group: ${unknown.join(', ')}`);

  const quick = values.quick;
  return {
    quick,
    groups: groups as RowGroup[],
    rounds,
    profile: !values['no-profile'],
    postgresUrl: env.BENCH_DATABASE_URL || undefined,
    sizes: quick
      ? {
          largeFile: 64 * MIB,
          smallFile: 8 * MIB,
          concurrentFile: 4 * MIB,
          concurrentUploads: 20,
          listingFiles: 1000,
          pageFiles: 50,
        }
      : {
          largeFile: 1024 * MIB,
          smallFile: 100 * MIB,
          concurrentFile: 50 * MIB,
          concurrentUploads: 20,
          listingFiles: 10_000,
          pageFiles: 50,
        },
    seconds: quick ? { signIn: 2, listing: 3 } : { signIn: 8, listing: 6 },
  };
}

export function usage(): string {
  return USAGE;
}
