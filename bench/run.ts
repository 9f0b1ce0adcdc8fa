// `npm run bench`: every row runs its baseline and Khaznati alternately in the same run and
// reports medians (README, "Benchmarks"); the latest full run is in BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../src/paths.js';
import { buildServers } from './build-servers.js';
import { Cleanup } from './cleanup.js';
import type { BenchContext } from './context.js';
import { readNotes } from './notes.js';
import { type BenchOptions, ROW_GROUPS, type RowGroup, readOptions, usage } from './options.js';
import { type ProfileWorkload, profileWorkload } from './profile.js';
import { machineSummary, markdownReport, type Row, textTable } from './report.js';
import { concurrentRows } from './rows/concurrent.js';
import { encryptionRows } from './rows/encryption.js';
import { listingRows } from './rows/listing.js';
import { memoryRows } from './rows/memory.js';
import { pageWeightRows } from './rows/page-weight.js';
import { signInRows } from './rows/sign-in.js';
import { transferRows } from './rows/transfer.js';

type GroupResult = Row[] | { rows: Row[]; profile: ProfileWorkload };

const GROUPS: Record<RowGroup, (ctx: BenchContext) => Promise<GroupResult>> = {
  transfer: transferRows,
  encryption: encryptionRows,
  memory: memoryRows,
  concurrent: concurrentRows,
  'sign-in': signInRows,
  listing: listingRows,
  'page-weight': pageWeightRows,
};

const RESULTS_DIR = join(projectRoot, 'bench', 'results');

/** nginx and Chromium are checked by the rows that use them; curl serves several. */
function checkCurl() {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('curl is needed (apt-get install curl)');
  }
}

async function runGroups(ctx: BenchContext) {
  const rows: Row[] = [];
  const profiles: string[] = [];
  const failures: string[] = [];
  for (const group of ctx.options.groups) {
    if (ctx.cleanup.interrupted) break;
    let result: GroupResult;
    try {
      result = await GROUPS[group](ctx);
    } catch (error) {
      // One broken group must not cost the others' figures; it is reported as failed.
      console.error(`${group} failed: ${(error as Error).stack}`);
      failures.push(`${group}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    const groupRows = Array.isArray(result) ? result : result.rows;
    rows.push(...groupRows);
    console.log(`\n${textTable(groupRows)}\n`);

    const missed = groupRows.some((row) => row.met === false);
    if (missed && ctx.options.profile && !Array.isArray(result)) {
      ctx.log(`profiling: ${result.profile.name}`);
      const summary = await profileWorkload(ctx, result.profile);
      profiles.push(`### ${result.profile.name} (${group})`, '', ...summary, '');
    }
  }
  return { rows, profiles, failures };
}

async function main(options: BenchOptions) {
  checkCurl();
  const started = performance.now();
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    const logDir = join(RESULTS_DIR, 'logs');
    await rm(logDir, { recursive: true, force: true });
    await mkdir(logDir, { recursive: true });
    const ctx: BenchContext = {
      options,
      cleanup,
      tempRoot: await cleanup.tempDir('khaznati-bench'),
      logDir,
      scripts: await buildServers(),
      databases: options.postgresUrl ? ['pglite', 'postgres'] : ['pglite'],
      log: (message) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`),
    };
    ctx.log(`on ${machineSummary()}${options.quick ? ' (quick run)' : ''}`);
    const { rows, profiles, failures } = await runGroups(ctx);
    if (cleanup.interrupted) return;

    console.log(`\n${textTable(rows)}`);
    const report = markdownReport(rows, {
      date: new Date(),
      quick: options.quick,
      seconds: (performance.now() - started) / 1000,
      notes: [...readNotes(options), ...failures.map((f) => `This run could not measure ${f}`)],
      profiles,
    });
    const complete = !options.quick && options.groups.length === ROW_GROUPS.length;
    const target = complete ? join(projectRoot, 'BENCHMARKS.md') : join(RESULTS_DIR, 'partial.md');
    await writeFile(target, report);
    console.log(`\nWritten to ${target.slice(projectRoot.length + 1)}.`);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    await cleanup.runAll();
  }
}

const options = readOptions(process.argv.slice(2), process.env);
if (options === 'help') console.log(usage());
else await main(options);
