/**
 * Abuse: someone uploads an HTML page or an SVG image carrying a script, then lures the
 * owner (or anyone they share with later) to its download URL, hoping the browser renders
 * it on Khaznati's origin where the script could read files and act as the person. A
 * download must be an attachment whose type the server picks from a short list of inert
 * types (never the uploader's claim), sandboxed by its CSP; in a real browser the script
 * must never run.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { Upload } from 'tus-js-client';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, tusHeaders } from '../helpers/uploads.js';
import { CHROMIUM, CHROMIUM_ARGS } from './support.js';

/** Uploads like the page does, but declaring whatever type the attacker likes. */
async function uploadAs(client: Client, name: string, body: string, filetype: string) {
  const headers = await tusHeaders(client);
  await new Promise<void>((resolve, reject) => {
    new Upload(Buffer.from(body), {
      endpoint: `${client.baseUrl}/uploads`,
      retryDelays: [],
      metadata: { filename: name, filetype, contentType: filetype },
      headers,
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
  return fileIdFromListing(await (await client.get('/files')).text(), name)!;
}

for (const target of databaseTargets()) {
  describe(`downloads of hostile files on ${target.name}`, () => {
    let t: TestApp;
    let owner: Client;
    let beacon: Server;
    let beaconUrl = '';
    const hits: string[] = [];
    const ids: Record<string, string> = {};

    before(async () => {
      beacon = createServer((request, response) => {
        hits.push(request.url ?? '');
        response.end('ok');
      });
      await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
      beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}`;

      t = await startTestApp(target);
      owner = new Client(t.url);
      await owner.register(uniqueEmail('downloads'));
      const script = (tag: string) =>
        `document.title='pwned';fetch('${beaconUrl}/${tag}-fetch');new Image().src='${beaconUrl}/${tag}-img'`;
      ids.html = await uploadAs(
        owner,
        'invoice.html',
        `<!doctype html><title>invoice</title><script>${script('html')}</script><img src="${beaconUrl}/html-tag">`,
        'text/html',
      );
      ids.svg = await uploadAs(
        owner,
        'logo.svg',
        `<svg xmlns="http://www.w3.org/2000/svg" onload="${script('svg-onload')}"><script>${script('svg')}</script></svg>`,
        'image/svg+xml',
      );
      ids.png = await uploadAs(owner, 'photo.png', 'not really a png', 'text/html');
      ids.disguised = await uploadAs(owner, 'photo.HTML', '<script>alert(1)</script>', 'image/png');
    });
    after(async () => {
      await t.close();
      await new Promise((resolve) => beacon.close(resolve));
    });

    for (const [key, name, type] of [
      ['html', 'invoice.html', 'application/octet-stream'],
      ['svg', 'logo.svg', 'application/octet-stream'],
      ['disguised', 'photo.HTML', 'application/octet-stream'],
      ['png', 'photo.png', 'image/png'],
    ] as const) {
      it(`serves ${name} as ${type}, an attachment, sandboxed, whatever the upload claimed`, async () => {
        const response = await owner.get(`/files/${ids[key]}/download`);
        assert.equal(response.headers.get('content-type'), type);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(
          response.headers.get('content-security-policy'),
          "sandbox; default-src 'none'",
        );
        const disposition = response.headers.get('content-disposition') ?? '';
        // ASCII names need no filename* (RFC 6266 §4.3); others get both forms.
        assert.match(
          disposition,
          /^attachment; filename=("[\x20-\x7e]+"|[\w.-]+)(; filename\*=UTF-8''\S+)?$/,
        );
        await response.arrayBuffer();
      });
    }

    it('gives a safe ASCII fallback and the exact name in filename* (RFC 6266)', async () => {
      const name = 'فاتورة "март" 100%.pdf';
      const id = await uploadAs(owner, name, '%PDF-1.4', 'application/pdf');
      const response = await owner.get(`/files/${id}/download`);
      const disposition = response.headers.get('content-disposition') ?? '';
      const fallback = disposition.match(/filename="([^"]*)"/)?.[1] ?? '';
      assert.match(fallback, /^[\x20-\x7e]+$/);
      assert.doesNotMatch(fallback, /["\\%/]/);
      const exact = decodeURIComponent(disposition.match(/filename\*=UTF-8''(\S+)/)?.[1] ?? '');
      assert.equal(exact, name);
      await response.arrayBuffer();
    });

    it('never runs the script of an uploaded HTML or SVG file in Chromium', async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const context = await browser.newContext({ acceptDownloads: true });
        const session = owner.cookies.get('KhaznatiSession')!;
        await context.addCookies([{ name: 'KhaznatiSession', value: session, url: t.url }]);
        const page = await context.newPage();
        await page.goto(`${t.url}/files`);

        for (const key of ['html', 'svg', 'disguised']) {
          const downloaded = page
            .waitForEvent('download', { timeout: 5000 })
            .then((download) => download.cancel().then(() => true))
            .catch(() => false);
          await page.goto(`${t.url}/files/${ids[key]}/download`).catch(() => undefined);
          await page.waitForTimeout(500);
          assert.notEqual(await page.title(), 'pwned', `${key}: its script ran`);
          assert.deepEqual(hits, [], `${key}: something reached the beacon`);
          assert.ok(await downloaded, `${key} is downloaded, not shown`);
          await page.goto(`${t.url}/files`);
        }
      } finally {
        await browser.close();
      }
    });
  });
}
