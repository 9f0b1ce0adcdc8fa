import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { createFolder } from '../helpers/files.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { randomFile, uploadWithTus } from '../helpers/uploads.js';
import { ARTIFACTS, BUDGETS, launchBrowser, screenshot, skipReason, WireMeter } from './browser.js';

const LANGUAGES = ['ar', 'fr', 'en'] as const;
const VIEWPORTS = {
  phone: { width: 360, height: 740 },
  desktop: { width: 1280, height: 800 },
} as const;
/** Pages seen signed in; the sign-in page is seen by a visitor. */
const PAGES = {
  landing: '/',
  files: '/files',
  trash: '/trash',
  security: '/security',
} as const;

const NAMES = ['تقرير', 'Facture', 'photo', 'Relevé', 'صورة', 'contrat', 'scan', 'إيصال'];

describe('page weight and looks, in Arabic, French and English', { skip: skipReason }, () => {
  const [pglite] = databaseTargets();
  let t: TestApp;
  let browser: Browser;
  const owner = new Map<string, string>();

  before(async () => {
    t = await startTestApp(pglite!);
    browser = await launchBrowser();
    const client = new Client(t.url);
    await client.register(uniqueEmail('fifty'));
    await createFolder(client, 'Papiers administratifs');
    await createFolder(client, 'صور العائلة');
    for (let i = 0; i < 50; i++) {
      const name = `${NAMES[i % NAMES.length]} ${String(i + 1).padStart(2, '0')}.pdf`;
      await uploadWithTus(client, randomFile(2000 + i * 997), { name });
    }
    const old = await createFolder(client, 'Ancien dossier');
    assert.equal((await client.submit('/files', `/folders/${old}/delete`, {})).status, 303);
    const html = await (await client.get('/files?sort=name')).text();
    const first = html.match(/href="\/files\/([0-9a-f-]{36})\/download"/)?.[1];
    assert.equal((await client.submit('/files', `/files/${first}/delete`, {})).status, 303);
    for (const [name, value] of client.cookies) owner.set(name, value);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('keeps every page within its budget, with no request leaving our origin', async (test) => {
    const weights: Record<string, number> = {};
    for (const language of LANGUAGES) {
      const context = await browser.newContext({ locale: language, viewport: VIEWPORTS.phone });
      await context.addCookies(cookiesFor(t.url, owner));
      const page = await context.newPage();
      await page.setExtraHTTPHeaders({ 'accept-language': language });
      const meter = await WireMeter.attach(page, t.url);
      for (const [name, path] of Object.entries(PAGES)) {
        weights[`${language} ${name}`] = await meter.weigh(page, path);
      }
      assert.deepEqual(meter.foreign, []);
      await context.close();

      const visitor = await browser.newContext({ locale: language });
      const anonymous = await visitor.newPage();
      await anonymous.setExtraHTTPHeaders({ 'accept-language': language });
      const fresh = await WireMeter.attach(anonymous, t.url);
      weights[`${language} landing (visitor)`] = await fresh.weigh(anonymous, '/');
      weights[`${language} signin (visitor)`] = await fresh.weigh(anonymous, '/signin');
      await visitor.close();
    }
    for (const [page, bytes] of Object.entries(weights)) test.diagnostic(`${page}: ${bytes} B`);
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(join(ARTIFACTS, 'page-weights.json'), JSON.stringify(weights, null, 2));

    for (const language of LANGUAGES) {
      assert.ok(weights[`${language} landing (visitor)`]! <= BUDGETS.landing, language);
      assert.ok(weights[`${language} signin (visitor)`]! <= BUDGETS.signIn, language);
      assert.ok(weights[`${language} files`]! <= BUDGETS.files50, `${language} files with 50`);
    }
  });

  it('lays out every main page at 360 px and on a desktop, both directions', async () => {
    for (const language of LANGUAGES) {
      for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
        const context = await browser.newContext({ locale: language, viewport });
        await context.addCookies(cookiesFor(t.url, owner));
        const page = await context.newPage();
        await page.setExtraHTTPHeaders({ 'accept-language': language });
        for (const [name, path] of Object.entries(PAGES)) {
          await page.goto(`${t.url}${path}`);
          const dir = await page.getAttribute('html', 'dir');
          assert.equal(dir, language === 'ar' ? 'rtl' : 'ltr');
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          assert.ok(overflow <= 0, `${language} ${name} at ${viewport.width} px scrolls sideways`);
          await screenshot(page, `${language}-${viewportName}-${name}`);
        }
        await context.close();

        const visitor = await browser.newContext({ locale: language, viewport });
        const signIn = await visitor.newPage();
        await signIn.setExtraHTTPHeaders({ 'accept-language': language });
        await signIn.goto(`${t.url}/signin`);
        await screenshot(signIn, `${language}-${viewportName}-signin`);
        await visitor.close();
      }
    }
  });

  it('labels every control and keeps the keyboard focus visible', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone });
    await context.addCookies(cookiesFor(t.url, owner));
    const page = await context.newPage();
    for (const path of Object.values(PAGES)) {
      await page.goto(`${t.url}${path}`);
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll('input:not([type=hidden]), select, button'))
          .filter((element) => {
            const control = element as HTMLInputElement;
            const named =
              control.labels?.length ||
              control.getAttribute('aria-label') ||
              (element.tagName === 'BUTTON' && element.textContent?.trim());
            return !named;
          })
          .map((element) => element.outerHTML.slice(0, 80)),
      );
      assert.deepEqual(unlabelled, [], path);
    }
    await page.goto(`${t.url}/files`);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      return { text: element.textContent, outline: getComputedStyle(element).outlineStyle };
    });
    assert.equal(focused.outline, 'solid', 'the focus ring shows');
    await context.close();
  });
});

function cookiesFor(origin: string, cookies: Map<string, string>) {
  const { hostname } = new URL(origin);
  return [...cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' }));
}
