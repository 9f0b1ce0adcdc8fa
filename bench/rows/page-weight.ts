import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { type RunningApp, startApp } from '../apps.js';
import { type Account, signUp } from '../clients/account.js';
import type { BenchContext } from '../context.js';
import type { Row } from '../report.js';
import { formatRatio, median } from '../stats.js';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const KB = 1000;

interface PageSpec {
  name: string;
  path: string;
  budgetKb: number;
  signedIn: boolean;
}

interface Weight {
  bytes: number;
  requests: number;
  encoding: string;
}

/**
 * Loads a page in a new browser context (an empty cache) and adds up the bytes every
 * response took on the wire: headers plus the body as sent, compressed where it was.
 */
async function weigh(browser: Browser, app: RunningApp, spec: PageSpec, account: Account) {
  const context = await browser.newContext();
  try {
    if (spec.signedIn) {
      await context.addCookies(
        [...account.client.cookies].map(([name, value]) => ({
          name,
          value,
          domain: '127.0.0.1',
          path: '/',
          secure: name.startsWith('__Host-') || name.startsWith('__Secure-'),
        })),
      );
    }
    const page = await context.newPage();
    const sizes: Array<Promise<number>> = [];
    page.on('requestfinished', (request) => {
      sizes.push(request.sizes().then((s) => s.responseHeadersSize + s.responseBodySize));
    });
    const response = await page.goto(`${app.url}${spec.path}`, { waitUntil: 'networkidle' });
    if (response?.status() !== 200 || new URL(page.url()).pathname !== spec.path) {
      throw new Error(`${spec.path} ended at ${page.url()} with ${response?.status()}`);
    }
    const encoding = (await response.allHeaders())['content-encoding'] ?? 'identity';
    const bytes = (await Promise.all(sizes)).reduce((sum, n) => sum + n, 0);
    return { bytes, requests: sizes.length, encoding } satisfies Weight;
  } finally {
    await context.close();
  }
}

/** Bytes on the wire per page in Debian's Chromium, against the web issue's budgets. */
export async function pageWeightRows(ctx: BenchContext): Promise<Row[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const { pageFiles } = ctx.options.sizes;
  const pages: PageSpec[] = [
    { name: 'landing page', path: '/', budgetKb: 30, signedIn: false },
    { name: 'sign-in page', path: '/signin', budgetKb: 20, signedIn: false },
    { name: `files page, ${pageFiles} files`, path: '/files', budgetKb: 60, signedIn: true },
  ];

  const app = await startApp(ctx, { database: 'pglite' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const closeBrowser = ctx.cleanup.add('Chromium', () => browser.close());
  try {
    const account = await signUp(app.url);
    await app.request({ type: 'seed-files', email: account.email, count: pageFiles });
    const rows: Row[] = [];
    for (const spec of pages) {
      ctx.log(`page weight: ${spec.name}`);
      const weights: Weight[] = [];
      for (let round = 0; round < ctx.options.rounds; round++) {
        weights.push(await weigh(browser, app, spec, account));
      }
      const bytes = median(weights.map((w) => w.bytes));
      const { requests, encoding } = weights[0]!;
      rows.push({
        group: 'page-weight',
        what: `page weight: ${spec.name}`,
        khaznati: `${(bytes / KB).toFixed(1)} KB in ${requests} responses (${encoding})`,
        baseline: `budget ${spec.budgetKb} KB`,
        ratio: formatRatio(bytes / (spec.budgetKb * KB)),
        goal: 'within budget',
        met: bytes <= spec.budgetKb * KB,
        samples: weights.map((w) => `${w.bytes} B`).join(', '),
      });
    }
    return rows;
  } finally {
    await closeBrowser();
    await app.stop();
  }
}
