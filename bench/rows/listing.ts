import { type RunningApp, startApp } from '../apps.js';
import { type Account, signUp } from '../clients/account.js';
import { type LoadSpec, runForAbout } from '../clients/load.js';
import { type BenchContext, baselineFirst } from '../context.js';
import { DATABASE_LABELS, type DatabaseKind } from '../databases.js';
import type { ProfileWorkload } from '../profile.js';
import type { Row } from '../report.js';
import { STATIC_EQUIVALENT_PATH } from '../servers/protocol.js';
import { formatMs, formatRatio, formatSize, median } from '../stats.js';

const P99_GOAL_MS = 50;

/** A user whose folder holds `count` file rows, and the listing page they are shown. */
async function folderOf(app: RunningApp, count: number) {
  const account = await signUp(app.url);
  await app.request({ type: 'seed-files', email: account.email, count });
  const page = await account.client.get('/files');
  const html = await page.text();
  if (page.status !== 200) throw new Error(`GET /files answered ${page.status}`);
  return { account, html };
}

function pageLoad(app: RunningApp, account: Account, path: string): LoadSpec {
  return {
    url: `${app.url}${path}`,
    // The same headers for both: the asset request a browser makes carries the cookie too.
    headers: { cookie: account.client.cookieHeader(), accept: 'text/html' },
    expectedStatus: 200,
  };
}

/** One person opening the folder, again and again: latency and how many per second. */
async function measure(ctx: BenchContext, spec: LoadSpec) {
  const result = await runForAbout(spec, { connections: 1, seconds: ctx.options.seconds.listing });
  if (result.errors + result.unexpected > 0) {
    throw new Error(`GET ${spec.url}: ${JSON.stringify(result.statuses)}`);
  }
  return result;
}

async function rowFor(ctx: BenchContext, database: DatabaseKind): Promise<Row> {
  const { rounds, sizes } = ctx.options;
  const label = DATABASE_LABELS[database];
  const app = await startApp(ctx, { database });
  try {
    ctx.log(`listing, ${label}: inserting ${sizes.listingFiles} file rows`);
    const { account, html } = await folderOf(app, sizes.listingFiles);
    const bytes = await app.request<number>({ type: 'set-static-body', body: html });
    const listing = pageLoad(app, account, '/files');
    const asset = pageLoad(app, account, STATIC_EQUIVALENT_PATH);

    const page = { p99: [] as number[], rate: [] as number[] };
    const plain = { p99: [] as number[], rate: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      ctx.log(`listing, ${label}: round ${round + 1} of ${rounds}`);
      const sides: Array<[LoadSpec, typeof page]> = [
        [asset, plain],
        [listing, page],
      ];
      if (!baselineFirst(round)) sides.reverse();
      for (const [spec, figures] of sides) {
        const result = await measure(ctx, spec);
        figures.p99.push(result.p99);
        figures.rate.push(result.requestsPerSecond);
      }
    }

    const ratio = median(page.rate.map((rate, i) => rate / plain.rate[i]!));
    const figure = (side: typeof page) =>
      `p99 ${formatMs(median(side.p99))}, ${median(side.rate).toFixed(1)} req/s`;
    const list = (values: number[]) => values.map(formatMs).join(', ');
    return {
      group: 'listing',
      what: `folder of ${sizes.listingFiles} files (page of ${formatSize(bytes)}), ${label}`,
      khaznati: figure(page),
      baseline: `${figure(plain)} (same bytes, static)`,
      ratio: formatRatio(ratio),
      goal: `p99 ≤ ${P99_GOAL_MS} ms`,
      met: median(page.p99) <= P99_GOAL_MS,
      samples: `p99 ${list(page.p99)}; static p99 ${list(plain.p99)}`,
    };
  } finally {
    await app.stop();
  }
}

export async function listingRows(ctx: BenchContext): Promise<{
  rows: Row[];
  profile: ProfileWorkload;
}> {
  const rows: Row[] = [];
  for (const database of ctx.databases) rows.push(await rowFor(ctx, database));
  const profile: ProfileWorkload = {
    name: `listing a folder of ${ctx.options.sizes.listingFiles} files`,
    variant: { database: 'pglite' },
    async run(app) {
      const { account } = await folderOf(app, ctx.options.sizes.listingFiles);
      await measure(ctx, pageLoad(app, account, '/files'));
    },
  };
  return { rows, profile };
}
