import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const [pglite] = databaseTargets();

describe('pages, assets and errors', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(pglite!);
  });
  after(() => t.close());

  it('serves the landing, register and sign-in pages with a strict CSP and no-store', async () => {
    for (const path of ['/', '/register', '/signin']) {
      const response = await new Client(t.url).get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('x-powered-by'), null);
      const html = await response.text();
      assert.doesNotMatch(html, /<script>|style="/, 'no inline script or style');
      assert.doesNotMatch(html, /https?:\/\//, 'no third-party URL');
    }
  });

  it('serves fingerprinted assets for a year, and 404 for unknown ones', async () => {
    const html = await (await new Client(t.url).get('/')).text();
    const href = html.match(/href="(\/static\/styles\.[0-9a-f]{12}\.css)"/)?.[1];
    assert.ok(href, 'the stylesheet is fingerprinted');
    const css = await fetch(`${t.url}${href}`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');

    const missing = await fetch(`${t.url}/static/styles.000000000000.css`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('cache-control'), 'no-store');
  });

  it('answers 404 for a personal page under a static-looking suffix', async () => {
    const client = new Client(t.url);
    await client.register(uniqueEmail());
    for (const path of ['/files.css', '/files/x.js', '/files/style.png']) {
      const response = await client.get(path);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('cache-control'), 'no-store');
    }
  });

  it('answers unknown paths with a readable 404 page', async () => {
    const response = await new Client(t.url).get('/no/such/page');
    assert.equal(response.status, 404);
    assert.match(await response.text(), /could not find that page/);
  });

  it('answers a malformed form body with 400, not 500', async () => {
    const client = new Client(t.url);
    const token = await client.csrfToken('/signin');
    const response = await client.request('/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${token}&email=a&email=b&password=x`,
    });
    assert.equal(response.status, 400);
  });

  it('answers an oversized form body with 413', async () => {
    const client = new Client(t.url);
    const token = await client.csrfToken('/signin');
    const response = await client.postForm('/signin', {
      _csrf: token,
      email: 'a'.repeat(200_000),
      password: 'x',
    });
    assert.equal(response.status, 413);
  });

  it('reports health without personal data', async () => {
    const response = await fetch(`${t.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      status: 'ok',
      checks: { database: 'ok', storage: 'ok' },
    });
  });
});
