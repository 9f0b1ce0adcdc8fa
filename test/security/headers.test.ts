/**
 * Abuse: framing the site to trick clicks, sniffing an upload into HTML, leaking a URL
 * through the Referer, reading responses from another origin, or getting a shared cache
 * to keep one person's page or cookie and hand it to the next. Every kind of response
 * (pages, refusals, crashes, static files, downloads, tus) must carry the protective
 * headers, declare a charset on text, send no CORS headers, and be cacheable only when it
 * is a fingerprinted static asset that sets no cookie (that part: cache-policy.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createUpload, fileIdFromListing, tusHeaders, uploadWithTus } from '../helpers/uploads.js';
import { ProxiedClient } from './support.js';

const BINARY_TYPES = /^(application\/octet-stream|application\/pdf|image\/|audio\/|video\/)/;

function assertProtected(label: string, response: Response, body: Buffer) {
  const header = (name: string) => response.headers.get(name);
  const csp = header('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'|sandbox/, `${label}: CSP`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${label}: CSP`);
  assert.match(csp, /frame-ancestors 'none'|sandbox/, `${label}: frame-ancestors`);
  assert.equal(header('x-frame-options'), 'DENY', `${label}: X-Frame-Options`);
  assert.equal(header('x-content-type-options'), 'nosniff', label);
  assert.equal(header('referrer-policy'), 'strict-origin-when-cross-origin', label);
  assert.match(header('permissions-policy') ?? '', /camera=\(\)/, label);
  assert.equal(header('cross-origin-opener-policy'), 'same-origin', label);
  assert.equal(header('cross-origin-resource-policy'), 'same-origin', label);
  assert.equal(header('x-powered-by'), null, label);
  assert.equal(header('server'), null, label);
  assert.equal(header('strict-transport-security'), null, `${label}: no HSTS outside production`);
  response.headers.forEach((_value, name) => {
    assert.ok(!name.startsWith('access-control-'), `${label}: no CORS header (${name})`);
  });
  if (body.length > 0) {
    const type = header('content-type') ?? '';
    assert.ok(
      /charset=utf-8/i.test(type) || BINARY_TYPES.test(type),
      `${label}: charset (${type})`,
    );
  }
}

for (const target of databaseTargets()) {
  describe(`response headers on ${target.name}`, () => {
    let t: TestApp;
    let alice: Client;
    let fileId = '';

    before(async () => {
      t = await startTestApp(
        target,
        { AUTH_RATE_LIMIT_PER_MINUTE: '1' },
        {
          beforeListen: (server) =>
            server.get('/test/crash', async () => {
              throw new Error('crash on purpose');
            }),
        },
      );
      alice = new Client(t.url);
      await alice.register(uniqueEmail('headers'));
      await uploadWithTus(alice, Buffer.from('plain text'), { name: 'notes.txt' });
      fileId = fileIdFromListing(await (await alice.get('/files')).text(), 'notes.txt')!;
    });
    after(() => t.close());

    it('protects every kind of response', async () => {
      const landing = await (await alice.get('/')).text();
      const css = landing.match(/href="(\/static\/[^"]+\.css)"/)![1]!;
      const filesPage = await (await alice.get('/files')).text();
      const js = filesPage.match(/src="(\/static\/[^"]+\.js)"/)![1]!;
      const tus = await tusHeaders(alice);
      const upload = await createUpload(alice, {
        'upload-length': '5',
        'upload-metadata': `filename ${Buffer.from('x.txt').toString('base64')}`,
      });
      const uploadPath = upload.headers.get('location')!;
      const limited = new ProxiedClient(t.url);
      await limited.signIn('nobody@example.dz', 'wrong password 123');

      const cases: [string, () => Promise<Response>][] = [
        ['page', () => alice.get('/files')],
        ['redirect', () => new Client(t.url).get('/files')],
        ['404 page', () => alice.get('/no/such/page')],
        ['404 JSON', () => alice.get('/no/such/page', { accept: 'application/json' })],
        ['414 before any hook', () => alice.get(`/files/${'x'.repeat(5000)}/download`)],
        ['400 bad URL', () => alice.get('/files/%E0%A4%A/download')],
        [
          '415',
          () =>
            new ProxiedClient(t.url).request('/signin', {
              method: 'POST',
              headers: { 'content-type': 'text/plain' },
              body: 'x',
            }),
        ],
        ['403 CSRF', () => alice.postForm('/signout', { _csrf: 'forged' })],
        ['429', () => limited.signIn('nobody@example.dz', 'wrong password 123')],
        ['500', () => alice.get('/test/crash')],
        ['stylesheet', () => alice.get(css)],
        ['script', () => alice.get(js)],
        ['download', () => alice.get(`/files/${fileId}/download`)],
        [
          'tus creation',
          () =>
            createUpload(alice, {
              'upload-length': '5',
              'upload-metadata': `filename ${Buffer.from('y.txt').toString('base64')}`,
            }),
        ],
        ['tus 412', () => alice.request('/uploads', { method: 'POST', headers: tus })],
        [
          'tus 400 with a body',
          () =>
            createUpload(alice, {
              'upload-length': '5',
              'upload-metadata': `filename ${Buffer.from('a/b').toString('base64')}`,
            }),
        ],
        [
          'tus HEAD',
          () =>
            alice.request(uploadPath, {
              method: 'HEAD',
              headers: { 'tus-resumable': '1.0.0', origin: t.url },
            }),
        ],
        [
          'tus OPTIONS',
          () =>
            alice.request('/uploads', {
              method: 'OPTIONS',
              headers: { origin: 'https://evil.example' },
            }),
        ],
        [
          'tus 404',
          () =>
            alice.request('/uploads/0123456789abcdef0123456789abcdef', {
              method: 'HEAD',
              headers: { 'tus-resumable': '1.0.0' },
            }),
        ],
        ['health', () => fetch(`${t.url}/healthz`)],
      ];
      const statuses: Record<string, number> = {};
      for (const [label, send] of cases) {
        const response = await send();
        statuses[label] = response.status;
        assertProtected(label, response, Buffer.from(await response.arrayBuffer()));
      }
      assert.deepEqual(
        [
          statuses['414 before any hook'],
          statuses['415'],
          statuses['429'],
          statuses['500'],
          statuses['tus 412'],
          statuses['tus 400 with a body'],
        ],
        [414, 415, 429, 500, 412, 400],
      );
    });

    it('gives pages a CSP that allows only what they need, from this origin', async () => {
      const csp = (await alice.get('/files')).headers.get('content-security-policy')!;
      const directives = Object.fromEntries(
        csp.split(';').map((part) => {
          const [name = '', ...values] = part.trim().split(/\s+/);
          return [name, values.join(' ')];
        }),
      );
      assert.deepEqual(directives, {
        'default-src': "'none'",
        'script-src': "'self'",
        'style-src': "'self'",
        'img-src': "'self'",
        'connect-src': "'self'",
        'form-action': "'self'",
        'base-uri': "'none'",
        'object-src': "'none'",
        'frame-ancestors': "'none'",
      });
    });
  });
}

describe('response headers in production', () => {
  it('adds HSTS for a year with subdomains, on pages, refusals and tus alike', async () => {
    const [pglite] = databaseTargets();
    const t = await startTestApp(pglite!, { NODE_ENV: 'production' });
    try {
      const responses = [
        await fetch(`${t.url}/`),
        await fetch(`${t.url}/no/such/page`),
        await fetch(`${t.url}/files/${'x'.repeat(5000)}/download`),
        await fetch(`${t.url}/uploads`, { method: 'POST' }),
      ];
      for (const response of responses) {
        const hsts = response.headers.get('strict-transport-security') ?? '';
        const maxAge = Number(hsts.match(/max-age=(\d+)/)?.[1] ?? 0);
        assert.ok(maxAge >= 31_536_000, `${response.url}: ${hsts}`);
        assert.match(hsts, /includeSubDomains/);
      }
    } finally {
      await t.close();
    }
  });
});
