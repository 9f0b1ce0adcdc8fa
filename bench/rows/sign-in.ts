import { type RunningApp, startApp } from '../apps.js';
import { signUp } from '../clients/account.js';
import { type LoadResult, runForAbout, runLoad } from '../clients/load.js';
import { hashLatencies, type SignInLoad, signInLoad } from '../clients/sign-in-load.js';
import { type BenchContext, baselineFirst } from '../context.js';
import { DATABASE_LABELS, type DatabaseKind } from '../databases.js';
import type { ProfileWorkload } from '../profile.js';
import type { Row } from '../report.js';
import { formatMegabytes, formatMs, formatRatio, median, percentile } from '../stats.js';

const LEVELS = [1, 20];
const BURST = 50;
const BURST_REQUESTS_EACH = 4;
const SLACK_MS = 15;
const GROWTH_LIMIT = 1.2;

const countWhere = (statuses: Record<number, number>, test: (status: number) => boolean) =>
  Object.entries(statuses)
    .filter(([status]) => test(Number(status)))
    .reduce((sum, [, count]) => sum + count, 0);

/** Answers that are neither a sign-in nor a designed 503, and connection errors. */
const failuresOf = (result: LoadResult) =>
  result.errors + countWhere(result.statuses, (s) => s !== 303 && s !== 503);

async function latencyRow(
  ctx: BenchContext,
  label: string,
  connections: number,
  load: SignInLoad,
): Promise<Row> {
  const { rounds, seconds } = ctx.options;
  const p50: number[] = [];
  const p99: number[] = [];
  const hashes: number[] = [];
  let busy = 0;
  let failures = 0;
  for (let round = 0; round < rounds; round++) {
    ctx.log(`sign-in, ${label}, ${connections} at once: round ${round + 1} of ${rounds}`);
    const baseline = async () => {
      hashes.push(percentile(await hashLatencies(connections, seconds.signIn), 50));
    };
    const measured = async () => {
      const result = await runForAbout(load, { connections, seconds: seconds.signIn });
      p50.push(result.p50);
      p99.push(result.p99);
      busy += result.statuses[503] ?? 0;
      failures += failuresOf(result);
    };
    if (baselineFirst(round)) await baseline().then(measured);
    else await measured().then(baseline);
  }

  const gap = median(p50) - median(hashes);
  const list = (values: number[]) => values.map(formatMs).join(', ');
  const refusals = `${busy ? `, ${busy} × 503` : ''}${failures ? `, ${failures} failed` : ''}`;
  return {
    group: 'sign-in',
    what: `sign-in, ${connections === 1 ? '1 at a time' : `${connections} at once`}, ${label}`,
    khaznati: `p50 ${formatMs(median(p50))}, p99 ${formatMs(median(p99))}${refusals}`,
    baseline: `hash p50 ${formatMs(median(hashes))}${connections > 1 ? `, ${connections} at once` : ''}`,
    ratio: `${gap >= 0 ? '+' : ''}${formatMs(gap)}`,
    goal: `p50 ≤ hash + ${SLACK_MS} ms`,
    met: gap <= SLACK_MS && failures === 0,
    samples: `p50 ${list(p50)}; p99 ${list(p99)}; hash p50 ${list(hashes)}`,
  };
}

/** A burst of many more sign-ins than the hashing slots; memory must not follow it. */
async function burstRow(ctx: BenchContext, label: string, app: RunningApp, load: SignInLoad) {
  const before = app.peakMemory();
  ctx.log(`sign-in, ${label}: ${BURST} at once`);
  const amount = BURST * BURST_REQUESTS_EACH;
  const result = await runLoad(load, { connections: BURST, amount });
  const after = app.peakMemory();
  const busy = result.statuses[503] ?? 0;
  const failures = failuresOf(result);
  return {
    group: 'sign-in',
    what: `sign-in, ${BURST} at once (${amount} in all), ${label}`,
    khaznati:
      `${result.statuses[303] ?? 0} signed in, ${busy} × 503, ${failures} other answers ` +
      `or errors; peak ${formatMegabytes(after)}`,
    baseline: `peak ${formatMegabytes(before)} after ${LEVELS.at(-1)} at once`,
    ratio: formatRatio(after / before),
    goal: `no 5xx but 503; peak ≤ ${GROWTH_LIMIT}×`,
    met: failures === 0 && after <= before * GROWTH_LIMIT,
    samples: `answers ${JSON.stringify(result.statuses)}, ${result.errors} connection errors`,
  } satisfies Row;
}

async function rowsFor(ctx: BenchContext, database: DatabaseKind): Promise<Row[]> {
  const label = DATABASE_LABELS[database];
  const app = await startApp(ctx, { database });
  try {
    const { email } = await signUp(app.url);
    const load = await signInLoad(app.url, email);
    const rows: Row[] = [];
    for (const connections of LEVELS) rows.push(await latencyRow(ctx, label, connections, load));
    rows.push(await burstRow(ctx, label, app, load));
    return rows;
  } finally {
    await app.stop();
  }
}

export async function signInRows(ctx: BenchContext): Promise<{
  rows: Row[];
  profile: ProfileWorkload;
}> {
  const rows: Row[] = [];
  for (const database of ctx.databases) rows.push(...(await rowsFor(ctx, database)));
  const profile: ProfileWorkload = {
    name: 'sign-in, 1 at a time',
    variant: { database: 'pglite' },
    async run(app) {
      const { email } = await signUp(app.url);
      const load = await signInLoad(app.url, email);
      await runForAbout(load, { connections: 1, seconds: ctx.options.seconds.signIn });
    },
  };
  return { rows, profile };
}
