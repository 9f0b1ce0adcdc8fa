/**
 * Abuse: provoking failures to learn how the server is built (stack traces, SQL, file
 * paths, library versions) or to crash it with malformed input. Expected failures answer
 * from one catalog with a clear 4xx in words a person understands; anything unexpected
 * becomes a bare 500 page with a reference to quote and nothing else, in every mode but
 * development.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { ERRORS, errorMessageKey } from '../../src/errors.js';
import { en } from '../../src/web/i18n/en.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const LEAKS = [
  /crash on purpose/,
  /\bat \S+ \(/,
  /\.tsx?\b/,
  /node_modules/,
  /SELECT|no_such_table/i,
  /\/tmp\/|\/work\//,
];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function crashRoutes(server: FastifyInstance) {
  server.get('/test/crash', async () => {
    throw new Error(`crash on purpose at ${import.meta.url}`);
  });
  server.get('/test/query', async () =>
    server.db.execute(sql`SELECT * FROM no_such_table WHERE email = ${'victim@example.dz'}`),
  );
}

describe('the error catalog', () => {
  it('gives every code a status and an English message', () => {
    for (const [code, status] of Object.entries(ERRORS)) {
      assert.ok(status >= 400 && status < 600, code);
      assert.ok(en[errorMessageKey(code as keyof typeof ERRORS)].length > 10, code);
    }
  });
});

// Production is the mode people meet; test mode takes the same path (only development differs).
for (const target of databaseTargets()) {
  describe(`errors in production on ${target.name}`, () => {
    let t: TestApp;
    let client: Client;
    before(async () => {
      t = await startTestApp(target, { NODE_ENV: 'production' }, { beforeListen: crashRoutes });
      client = new Client(t.url);
      await client.register(uniqueEmail('crash'));
    });
    after(() => t.close());

    for (const path of ['/test/crash', '/test/query']) {
      it(`answers ${path} with a bare 500 page and a reference, nothing more`, async () => {
        const response = await client.get(path);
        assert.equal(response.status, 500);
        const html = await response.text();
        assert.match(html, /Something went wrong on our side/);
        assert.match(html, new RegExp(`Reference: ${UUID.source}`));
        assert.doesNotMatch(
          html,
          /<form|<nav|<script|Sign out|@example\.dz/,
          'bare: no session or form',
        );
        for (const leak of LEAKS) assert.doesNotMatch(html, leak);
        assert.deepEqual(response.headers.getSetCookie(), []);

        const json = await client.get(path, { accept: 'application/json' });
        const body = (await json.json()) as { error: Record<string, string> };
        assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'requestId']);
        assert.equal(body.error.code, 'internal_error');
        assert.match(body.error.requestId!, UUID);
        for (const leak of LEAKS) assert.doesNotMatch(JSON.stringify(body), leak);
      });
    }

    it('answers malformed requests without a 5xx and without a leak', async () => {
      const token = await client.csrfToken('/files');
      const form = (body: string) => ({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const cases: [string, string, RequestInit][] = [
        ['bad percent-encoding', '/files/%E0%A4%A/download', {}],
        ['NUL in the path', '/files/%00/download', {}],
        ['overlong id', `/files/${'9'.repeat(5000)}/download`, {}],
        [
          'garbage session cookie',
          '/files',
          { headers: { cookie: 'KhaznatiSession=%%%; KhaznatiCsrf=x' } },
        ],
        ['array fields', '/signin', form(`_csrf=${token}&email[]=a&password[x]=b`)],
        ['repeated fields', '/register', form(`_csrf=${token}&email=a&email=b`)],
        ['unknown fields only', '/signin', form(`_csrf=${token}&__proto__[admin]=1`)],
        ['broken form encoding', '/signin', form(`_csrf=${token}&email=%ZZ`)],
        ['empty body', '/signin', form('')],
        [
          'JSON body',
          '/signin',
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' },
        ],
        ['no content type', '/signin', { method: 'POST', body: 'email=a' }],
        ['unknown method', '/files', { method: 'PROPFIND' }],
        [
          'tus garbage',
          '/uploads',
          {
            method: 'POST',
            headers: { 'tus-resumable': 'nonsense', 'x-csrf-token': token, 'upload-length': 'x' },
          },
        ],
        [
          'tus bad metadata',
          '/uploads',
          {
            method: 'POST',
            headers: {
              'tus-resumable': '1.0.0',
              'x-csrf-token': token,
              'upload-length': '5',
              'upload-metadata': 'filename !!!,,,',
            },
          },
        ],
        ['range garbage', '/files', { headers: { range: 'bytes=--1' } }],
        [
          'revoke a malformed session id',
          '/account/sessions/..%2F..%2Fx/revoke',
          form(`_csrf=${token}`),
        ],
        ['next that is not a path', '/signin?next=%0d%0aLocation:%20https://evil.example', {}],
      ];
      for (const [label, path, init] of cases) {
        const response = await client.request(path, init);
        assert.ok(response.status < 500, `${label}: ${response.status}`);
        const text = await response.text();
        for (const leak of LEAKS) assert.doesNotMatch(text, leak, label);
      }
    });
  });
}

describe('unexpected errors in development', () => {
  it('show the stack to the developer, and only there', async () => {
    const [pglite] = databaseTargets();
    const t = await startTestApp(
      pglite!,
      { NODE_ENV: 'development' },
      { beforeListen: crashRoutes },
    );
    try {
      const html = await (await new Client(t.url).get('/test/crash')).text();
      assert.match(html, /crash on purpose/);
    } finally {
      await t.close();
    }
  });
});
