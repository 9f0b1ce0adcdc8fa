import { startApp } from '../apps.js';
import { signUp } from '../clients/account.js';
import { randomRanges } from '../clients/curl-download.js';
import type { BenchContext } from '../context.js';
import { DATABASE_LABELS, type DatabaseKind } from '../databases.js';
import type { Row } from '../report.js';
import { randomFile } from '../source-files.js';
import { formatMegabytes, formatRatio, formatSize, median } from '../stats.js';
import { appDownload, timeDownloads, uploadToApp } from './app-transfers.js';

const MEMORY_LIMIT = 150 * 1000 * 1000;
const GROWTH_LIMIT = 1.2;

/** Peak memory of a fresh app process that uploads the file, then downloads it twice. */
async function peakOfOneTransfer(ctx: BenchContext, database: DatabaseKind, size: number) {
  const source = await randomFile(ctx, size);
  const app = await startApp(ctx, { database });
  try {
    const account = await signUp(app.url);
    await uploadToApp(app, account, source);
    const download = await appDownload(app, account, source);
    await timeDownloads(download, size, randomRanges(size, 16, 7));
    const usage = await app.request<NodeJS.MemoryUsage>({ type: 'memory-usage' });
    return { atStart: app.startPeak, peak: app.peakMemory(), usage };
  } finally {
    await app.stop();
  }
}

/** The split process.memoryUsage() gives (PGlite's WebAssembly memory counts as external). */
function whereItIs(usage: NodeJS.MemoryUsage): string {
  const other = usage.rss - usage.heapTotal - usage.external;
  return (
    `after the last large transfer: resident ${formatMegabytes(usage.rss)}, of which V8 heap ` +
    `${formatMegabytes(usage.heapTotal)}, outside the heap (buffers, WebAssembly memory) ` +
    `${formatMegabytes(usage.external)}, the rest (code, stacks) ${formatMegabytes(other)}`
  );
}

/**
 * Peak resident memory (VmHWM) of the app process during an upload and download of the
 * small and the large file, a fresh process each time, on each database.
 */
export async function memoryRows(ctx: BenchContext): Promise<Row[]> {
  const { smallFile, largeFile } = ctx.options.sizes;
  const rows: Row[] = [];
  for (const database of ctx.databases) {
    const small: number[] = [];
    const large: number[] = [];
    const atStart: number[] = [];
    let usage: NodeJS.MemoryUsage | undefined;
    for (let round = 0; round < ctx.options.rounds; round++) {
      ctx.log(`memory, ${DATABASE_LABELS[database]}: round ${round + 1} of ${ctx.options.rounds}`);
      const first = await peakOfOneTransfer(ctx, database, smallFile);
      const second = await peakOfOneTransfer(ctx, database, largeFile);
      small.push(first.peak);
      large.push(second.peak);
      atStart.push(first.atStart, second.atStart);
      usage = second.usage;
    }
    const growth = median(large) / median(small);
    const list = (values: number[]) => values.map(formatMegabytes).join(', ');
    rows.push({
      group: 'memory',
      what: `peak app memory, upload + download, ${DATABASE_LABELS[database]}`,
      khaznati: `${formatMegabytes(median(large))} with ${formatSize(largeFile)}`,
      baseline: `${formatMegabytes(median(small))} with ${formatSize(smallFile)}`,
      ratio: formatRatio(growth),
      goal: `≤ 150 MB, ≤ ${GROWTH_LIMIT}×`,
      met: median(large) <= MEMORY_LIMIT && growth <= GROWTH_LIMIT,
      samples:
        `${formatSize(largeFile)}: ${list(large)}; ${formatSize(smallFile)}: ${list(small)}; ` +
        `peak while starting: ${list(atStart)}; ${whereItIs(usage!)}`,
    });
  }
  return rows;
}
