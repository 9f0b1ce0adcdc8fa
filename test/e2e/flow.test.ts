import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { randomFile, sha256 } from '../helpers/uploads.js';
import { BUDGETS, launchBrowser, screenshot, skipReason, WireMeter } from './browser.js';

const KiB = 1024;
const PASSWORD = 'correct horse battery staple';

/** The progress, 0–100, of the queue row for `name`. */
async function progressOf(page: Page, name: string): Promise<number> {
  return page.evaluate((fileName) => {
    for (const row of Array.from(document.querySelectorAll('#upload-queue li'))) {
      if (row.querySelector('bdi')?.textContent === fileName) {
        return row.querySelector('progress')?.value ?? 0;
      }
    }
    return 0;
  }, name);
}

describe('a person on a weak mobile link, in a real browser', { skip: skipReason }, () => {
  const [pglite] = databaseTargets();
  let t: TestApp;
  let browser: Browser;

  before(async () => {
    t = await startTestApp(pglite!);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('registers, uploads through a dropped connection, manages files, reads Arabic', async (test) => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const meter = await WireMeter.attach(page, t.url);
    const email = uniqueEmail('e2e');

    const landing = await meter.weigh(page, '/');
    assert.ok(landing <= BUDGETS.landing, `landing page: ${landing} bytes`);
    test.diagnostic(`landing page: ${landing} bytes on the wire`);
    await page.getByRole('link', { name: 'Create an account' }).first().click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.waitForURL('**/signin?registered=1');

    const signIn = await meter.weigh(page, '/signin?registered=1');
    assert.ok(signIn <= BUDGETS.signIn, `sign-in page: ${signIn} bytes`);
    test.diagnostic(`sign-in page: ${signIn} bytes on the wire`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.waitForURL('**/files');

    await page.getByText('New folder', { exact: true }).click();
    await page.getByLabel('Name of the new folder').fill('Documents مستندات');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('link', { name: 'Documents مستندات' }).click();
    await page.waitForURL(/folder=/);

    // 400 kbit/s up, 400 ms latency: a weak 3G link.
    await meter.emulate({ latency: 400, up: 50_000, down: 200_000 });
    const files = [
      { name: 'carte-identite.jpg', mimeType: 'image/jpeg', buffer: randomFile(260 * KiB) },
      { name: 'facture فاتورة.pdf', mimeType: 'application/pdf', buffer: randomFile(180 * KiB) },
    ];
    await page.setInputFiles('#upload-file', files);
    await page.waitForFunction(
      () => document.querySelector<HTMLInputElement>('#slow-mode')?.checked === true,
      null,
      { timeout: 20_000 },
    );
    while ((await progressOf(page, files[0]!.name)) < 40) await page.waitForTimeout(200);
    await screenshot(page, 'en-desktop-upload-queue');

    // Half-way through: the second file waits its turn on a slow link, so it is still to send.
    await meter.emulate({ offline: true });
    await page.getByText('Connection lost').first().waitFor({ timeout: 10_000 });
    assert.ok((await progressOf(page, files[1]!.name)) < 100, 'the second file was not through');
    await page.waitForTimeout(2000);
    await meter.emulate({ latency: 400, up: 50_000, down: 200_000 });

    for (const file of files) {
      await page.getByRole('link', { name: file.name }).waitFor({ timeout: 60_000 });
    }
    await meter.emulate({});

    const downloadStarted = page.waitForEvent('download');
    await page.getByRole('link', { name: files[0]!.name }).click();
    const download = await downloadStarted;
    const received = await readFile((await download.path())!);
    assert.equal(sha256(received), sha256(files[0]!.buffer), 'the download is the upload');

    const row = page.getByRole('row').filter({ hasText: files[1]!.name });
    await row.getByRole('link', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('facture 2026.pdf');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('link', { name: 'facture 2026.pdf' }).waitFor();

    await page.getByRole('checkbox', { name: 'Select facture 2026.pdf' }).check();
    await page.getByLabel('Move to').selectOption({ label: 'My files' });
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await page.getByRole('link', { name: 'My files' }).first().click();
    const moved = page.getByRole('row').filter({ hasText: 'facture 2026.pdf' });
    await moved.waitFor();

    await moved.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByText('Moved to the trash.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'facture 2026.pdf' }).count(), 0);
    await page.getByRole('link', { name: 'Open the trash' }).click();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Restored.').waitFor();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My files' })
      .click();
    await page.getByRole('link', { name: 'facture 2026.pdf' }).waitFor();

    await page.getByRole('button', { name: 'العربية' }).click();
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');
    await page.getByRole('heading', { name: 'ملفاتي' }).waitFor();
    await page.getByRole('button', { name: 'رفع ملفات' }).count();
    assert.ok(await page.getByText('مساحة التخزين').isVisible());
    await screenshot(page, 'ar-desktop-files-after-flow');

    await page.getByRole('button', { name: 'تسجيل الخروج' }).click();
    await page.waitForURL(`${t.url}/`);
    await page.goto(`${t.url}/files`);
    assert.match(page.url(), /\/signin\?next=/);

    assert.deepEqual(meter.foreign, [], 'no request left our origin');
    await context.close();
  });
});
