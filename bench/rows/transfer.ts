import { basename, dirname } from 'node:path';
import { type RunningApp, startApp, startBareTus } from '../apps.js';
import { signUp } from '../clients/account.js';
import { randomRanges } from '../clients/curl-download.js';
import { type BenchContext, baselineFirst } from '../context.js';
import { startNginx } from '../nginx.js';
import type { ProfileWorkload } from '../profile.js';
import type { Row } from '../report.js';
import { randomFile } from '../source-files.js';
import { formatRatio, formatSize, formatThroughput, median } from '../stats.js';
import { appDownload, timeDownloads, uploadToApp, uploadToBareTus } from './app-transfers.js';

const RANGE_COUNT = 16;
const UPLOAD_GOAL = 0.8;
const DOWNLOAD_GOAL = 0.5;

interface Pair {
  khaznati: number[];
  baseline: number[];
}

const pair = (): Pair => ({ khaznati: [], baseline: [] });

/** Runs `a` and `b` in the round's order (baseline first on even rounds). */
async function inOrder(round: number, baseline: () => Promise<void>, app: () => Promise<void>) {
  if (baselineFirst(round)) {
    await baseline();
    await app();
  } else {
    await app();
    await baseline();
  }
}

function throughputRow(what: string, size: number, seconds: Pair, goal: number, baseName: string) {
  const rate = (values: number[]) => size / median(values);
  // Each round pairs the two runs made minutes apart; the median of those ratios is less
  // swayed by a noisy neighbour than the ratio of two medians.
  const ratio = median(seconds.khaznati.map((s, i) => seconds.baseline[i]! / s));
  const list = (values: number[]) => values.map((s) => formatThroughput(size / s)).join(', ');
  return {
    what,
    khaznati: formatThroughput(rate(seconds.khaznati)),
    baseline: `${formatThroughput(rate(seconds.baseline))} (${baseName})`,
    ratio: formatRatio(ratio),
    goal: `≥ ${goal.toFixed(1)}×`,
    met: ratio >= goal,
    samples: `Khaznati ${list(seconds.khaznati)}; ${baseName} ${list(seconds.baseline)}`,
  };
}

/** Upload and download of the large file: the app (PGlite) against its baselines. */
export async function transferRows(ctx: BenchContext): Promise<{
  rows: Row[];
  profile: ProfileWorkload;
}> {
  const size = ctx.options.sizes.largeFile;
  const source = await randomFile(ctx, size);
  const nginx = await startNginx(ctx, dirname(source));
  const upload = pair();
  const finishing: number[] = [];
  const whole = pair();
  const ranged = pair();

  for (let round = 0; round < ctx.options.rounds; round++) {
    ctx.log(`transfer ${formatSize(size)}: round ${round + 1} of ${ctx.options.rounds}`);
    const app = await startApp(ctx, { database: 'pglite' });
    const bare = await startBareTus(ctx);
    const account = await signUp(app.url);

    await inOrder(
      round,
      async () => void upload.baseline.push((await uploadToBareTus(bare, source)).seconds),
      async () => {
        const timing = await uploadToApp(app, account, source);
        upload.khaznati.push(timing.seconds);
        finishing.push(timing.finishing);
      },
    );
    await bare.stop();

    const download = await appDownload(app, account, source);
    const nginxDownload = { url: `${nginx.url}/${basename(source)}`, headers: {} };
    const ranges = randomRanges(size, RANGE_COUNT, round + 1);
    await inOrder(
      round,
      async () => {
        const times = await timeDownloads(nginxDownload, size, ranges);
        whole.baseline.push(times.whole);
        ranged.baseline.push(times.ranged);
      },
      async () => {
        const times = await timeDownloads(download, size, ranges);
        whole.khaznati.push(times.whole);
        ranged.khaznati.push(times.ranged);
      },
    );
    await app.stop();
  }
  await nginx.stop();

  const label = formatSize(size);
  const uploadRow = throughputRow(
    `upload ${label} via tus, PGlite`,
    size,
    upload,
    UPLOAD_GOAL,
    'bare @tus/server',
  );
  const finished = finishing.map((s) => `${s.toFixed(1)} s`).join(', ');
  const rows: Row[] = [
    {
      group: 'transfer',
      ...uploadRow,
      samples: `${uploadRow.samples}; Khaznati's last chunk took longer than its size explains by ${finished} (finishing the file)`,
    },
    {
      group: 'transfer',
      ...throughputRow(`download ${label} whole, PGlite`, size, whole, DOWNLOAD_GOAL, 'nginx'),
    },
    {
      group: 'transfer',
      ...throughputRow(
        `download ${label} as ${RANGE_COUNT} random ranges, PGlite`,
        size,
        ranged,
        DOWNLOAD_GOAL,
        'nginx',
      ),
    },
  ];
  return { rows, profile: transferProfile(source, size) };
}

function transferProfile(source: string, size: number): ProfileWorkload {
  return {
    name: `upload and download of ${formatSize(size)}`,
    variant: { database: 'pglite' },
    async run(app: RunningApp) {
      const account = await signUp(app.url);
      await uploadToApp(app, account, source);
      const download = await appDownload(app, account, source);
      await timeDownloads(download, size, randomRanges(size, RANGE_COUNT, 99));
    },
  };
}
