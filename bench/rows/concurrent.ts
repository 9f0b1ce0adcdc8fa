import { type AppVariant, type RunningApp, startApp, startBareTus } from '../apps.js';
import { signUp, tusHeaders } from '../clients/account.js';
import { uploadConcurrently } from '../clients/tus-upload.js';
import { type BenchContext, baselineFirst } from '../context.js';
import { DATABASE_LABELS } from '../databases.js';
import type { ProfileWorkload } from '../profile.js';
import type { Row } from '../report.js';
import { BARE_TUS_PATH } from '../servers/protocol.js';
import { randomFile } from '../source-files.js';
import { formatMegabytes, formatRatio, formatSize, formatThroughput, median } from '../stats.js';

const RATIO_GOAL = 0.8;
const MEMORY_LIMIT = 300 * 1000 * 1000;

interface Outcome {
  seconds: number;
  errors: number;
  peak?: number;
}

async function appRound(ctx: BenchContext, variant: AppVariant, path: string): Promise<Outcome> {
  const app = await startApp(ctx, variant);
  try {
    const outcome = await uploadsInto(app, ctx.options.sizes.concurrentUploads, path);
    return { ...outcome, peak: app.peakMemory() };
  } finally {
    await app.stop();
  }
}

async function uploadsInto(app: RunningApp, count: number, path: string) {
  const account = await signUp(app.url);
  const headers = await tusHeaders(account);
  const outcome = await uploadConcurrently(count, {
    endpoint: `${app.url}/uploads`,
    path,
    headers,
  });
  if (outcome.firstError) console.error(`  an upload failed: ${outcome.firstError}`);
  return outcome;
}

async function bareRound(ctx: BenchContext, path: string): Promise<Outcome> {
  const bare = await startBareTus(ctx);
  try {
    const endpoint = `${bare.url}${BARE_TUS_PATH}`;
    return await uploadConcurrently(ctx.options.sizes.concurrentUploads, { endpoint, path });
  } finally {
    await bare.stop();
  }
}

/** Many uploads at once into a fresh app per round, against the bare tus server. */
export async function concurrentRows(ctx: BenchContext): Promise<{
  rows: Row[];
  profile: ProfileWorkload;
}> {
  const { concurrentFile, concurrentUploads } = ctx.options.sizes;
  const path = await randomFile(ctx, concurrentFile);
  const total = concurrentFile * concurrentUploads;
  const bare: Outcome[] = [];
  const apps = new Map(ctx.databases.map((database) => [database, [] as Outcome[]]));

  for (let round = 0; round < ctx.options.rounds; round++) {
    ctx.log(`${concurrentUploads} uploads at once: round ${round + 1} of ${ctx.options.rounds}`);
    if (baselineFirst(round)) bare.push(await bareRound(ctx, path));
    for (const [database, outcomes] of apps) {
      outcomes.push(await appRound(ctx, { database }, path));
    }
    if (!baselineFirst(round)) bare.push(await bareRound(ctx, path));
  }

  const what = `${concurrentUploads} uploads of ${formatSize(concurrentFile)} at once`;
  const rate = (outcomes: Outcome[]) => total / median(outcomes.map((o) => o.seconds));
  const baseErrors = bare.reduce((sum, o) => sum + o.errors, 0);
  const rows = [...apps].map(([database, outcomes]): Row => {
    const ratio = median(outcomes.map((o, i) => bare[i]!.seconds / o.seconds));
    const errors = outcomes.reduce((sum, o) => sum + o.errors, 0);
    const peak = median(outcomes.map((o) => o.peak ?? 0));
    const list = (values: Outcome[]) => values.map((o) => formatThroughput(total / o.seconds));
    return {
      group: 'concurrent',
      what: `${what}, ${DATABASE_LABELS[database]}`,
      khaznati: `${formatThroughput(rate(outcomes))}, ${errors} errors, peak ${formatMegabytes(peak)}`,
      baseline: `${formatThroughput(rate(bare))}, ${baseErrors} errors (bare @tus/server)`,
      ratio: formatRatio(ratio),
      goal: `≥ ${RATIO_GOAL}×, no errors, ≤ 300 MB`,
      met: ratio >= RATIO_GOAL && errors === 0 && peak <= MEMORY_LIMIT,
      samples:
        `Khaznati ${list(outcomes).join(', ')}, peaks ` +
        `${outcomes.map((o) => formatMegabytes(o.peak ?? 0)).join(', ')}; ` +
        `bare @tus/server ${list(bare).join(', ')}`,
    };
  });

  const profile: ProfileWorkload = {
    name: what,
    variant: { database: 'pglite' },
    run: async (app) => void (await uploadsInto(app, concurrentUploads, path)),
  };
  return { rows, profile };
}
