import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type CDPSession, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Why the browser tests are skipped, or false when they can run. */
export const skipReason = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install the Debian package "chromium" to run it`;

export const ARTIFACTS = join(process.cwd(), 'test-results');

/** Debian's Chromium, headless, with nothing reaching out on its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/**
 * Counts the bytes a page pulls over the wire (compressed, headers included), as the
 * browser's network layer reports them, with the cache off. Also notes any request that
 * leaves our origin: there must be none.
 */
export class WireMeter {
  private bytes = 0;
  readonly foreign: string[] = [];

  private constructor(
    readonly cdp: CDPSession,
    private readonly origin: string,
  ) {}

  static async attach(page: Page, origin: string): Promise<WireMeter> {
    const cdp = await page.context().newCDPSession(page);
    const meter = new WireMeter(cdp, origin);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    cdp.on('Network.loadingFinished', (event) => {
      meter.bytes += event.encodedDataLength;
    });
    cdp.on('Network.requestWillBeSent', (event) => {
      if (!event.request.url.startsWith(origin) && !event.request.url.startsWith('data:')) {
        meter.foreign.push(event.request.url);
      }
    });
    return meter;
  }

  /** Loads `path` and returns what it cost on the wire. */
  async weigh(page: Page, path: string): Promise<number> {
    this.bytes = 0;
    await page.goto(`${this.origin}${path}`, { waitUntil: 'load' });
    await page.waitForLoadState('networkidle');
    return this.bytes;
  }

  /** Chrome DevTools network emulation: throughput in bytes per second. */
  async emulate(conditions: { offline?: boolean; latency?: number; up?: number; down?: number }) {
    await this.cdp.send('Network.emulateNetworkConditions', {
      offline: conditions.offline ?? false,
      latency: conditions.latency ?? 0,
      uploadThroughput: conditions.up ?? -1,
      downloadThroughput: conditions.down ?? -1,
    });
  }
}

/** What the person sees first: the viewport only, which also keeps the files small. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const folder = join(ARTIFACTS, 'screenshots');
  await mkdir(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`) });
}

/** Budgets from the issue, in bytes on the wire with an empty cache. */
export const BUDGETS = {
  landing: 30 * 1024,
  signIn: 20 * 1024,
  files50: 60 * 1024,
} as const;
