import { WITHOUT_ENCRYPTION } from '../app-variants.js';
import { type AppVariant, startApp } from '../apps.js';
import { signUp } from '../clients/account.js';
import { downloadWhole } from '../clients/curl-download.js';
import { type BenchContext, baselineFirst } from '../context.js';
import type { Row } from '../report.js';
import { randomFile } from '../source-files.js';
import { formatMegabytes, formatRatio, formatSize, formatThroughput, median } from '../stats.js';
import { appDownload, uploadToApp } from './app-transfers.js';

const RATIO_GOAL = 0.8;
const MEMORY_LIMIT = 150 * 1000 * 1000;

async function oneTransfer(ctx: BenchContext, variant: AppVariant, path: string, size: number) {
  const app = await startApp(ctx, variant);
  try {
    const account = await signUp(app.url);
    const upload = (await uploadToApp(app, account, path)).seconds;
    const { url, headers } = await appDownload(app, account, path);
    const download = await downloadWhole(url, size, headers);
    return { upload, download, peak: app.peakMemory() };
  } finally {
    await app.stop();
  }
}

/** The app as built against the same path with encryption at rest switched off. */
export async function encryptionRows(ctx: BenchContext): Promise<Row[]> {
  const size = ctx.options.sizes.largeFile;
  const what = `encrypted vs unencrypted, ${formatSize(size)}, PGlite`;
  if (!WITHOUT_ENCRYPTION) {
    return [
      {
        group: 'encryption',
        what,
        khaznati: 'not run',
        baseline: 'not run',
        ratio: '—',
        goal: '≥ 0.8× both ways, ≤ 150 MB',
        met: undefined,
        samples: 'the app has no bench-only switch to turn encryption off yet',
      },
    ];
  }

  const path = await randomFile(ctx, size);
  const encrypted: Array<Awaited<ReturnType<typeof oneTransfer>>> = [];
  const plain: typeof encrypted = [];
  for (let round = 0; round < ctx.options.rounds; round++) {
    ctx.log(`encryption: round ${round + 1} of ${ctx.options.rounds}`);
    const withKeys = () => oneTransfer(ctx, { database: 'pglite' }, path, size);
    const without = () =>
      oneTransfer(ctx, { database: 'pglite', appOptions: WITHOUT_ENCRYPTION }, path, size);
    if (baselineFirst(round)) {
      plain.push(await without());
      encrypted.push(await withKeys());
    } else {
      encrypted.push(await withKeys());
      plain.push(await without());
    }
  }

  const ratio = (key: 'upload' | 'download') =>
    median(encrypted.map((e, i) => plain[i]![key] / e[key]));
  const rate = (runs: typeof encrypted, key: 'upload' | 'download') =>
    formatThroughput(size / median(runs.map((r) => r[key])));
  const peak = median(encrypted.map((e) => e.peak));
  const up = ratio('upload');
  const down = ratio('download');
  return [
    {
      group: 'encryption',
      what,
      khaznati: `up ${rate(encrypted, 'upload')}, down ${rate(encrypted, 'download')}, peak ${formatMegabytes(peak)}`,
      baseline: `up ${rate(plain, 'upload')}, down ${rate(plain, 'download')} (unencrypted)`,
      ratio: `${formatRatio(up)} up, ${formatRatio(down)} down`,
      goal: '≥ 0.8× both ways, ≤ 150 MB',
      met: up >= RATIO_GOAL && down >= RATIO_GOAL && peak <= MEMORY_LIMIT,
    },
  ];
}
