/**
 * Abuse: another site's page posts to Khaznati with the person's cookies, or a script
 * sends a body type a form never would (JSON, plain text, multipart) hoping a parser
 * accepts it. Browsers mark where a request comes from (Fetch Metadata, Origin); unsafe
 * requests marked as coming from another site are refused even before the CSRF token is
 * checked, and only form bodies are read at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { uploads } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createUpload, tusHeaders } from '../helpers/uploads.js';

for (const target of databaseTargets()) {
  describe(`cross-site requests on ${target.name}`, () => {
    let t: TestApp;
    let email = '';

    before(async () => {
      t = await startTestApp(target);
      email = uniqueEmail('fetch-metadata');
      await new Client(t.url).register(email);
    });
    after(() => t.close());

    async function signInWith(headers: Record<string, string>): Promise<Response> {
      const client = new Client(t.url);
      const token = await client.csrfToken('/signin');
      const body = new URLSearchParams({ _csrf: token, email, password: 'correct horse battery' });
      return client.request('/signin', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: body.toString(),
      });
    }

    it('refuses an unsafe request marked Sec-Fetch-Site: cross-site (403), token or not', async () => {
      const response = await signInWith({ 'sec-fetch-site': 'cross-site', origin: t.url });
      assert.equal(response.status, 403);
      assert.match(await response.text(), /came from another website/);
      assert.equal(
        response.headers.getSetCookie().some((c) => c.startsWith('KhaznatiSession=')),
        false,
      );
    });

    it('refuses a foreign Origin when Fetch Metadata is missing (403), and Origin: null', async () => {
      for (const origin of ['https://evil.example', 'null', `${t.url}.evil.example`]) {
        const response = await signInWith({ origin });
        assert.equal(response.status, 403, origin);
      }
    });

    it('lets same-origin and same-site requests and requests without either header through', async () => {
      assert.equal(
        (await signInWith({ 'sec-fetch-site': 'same-origin', origin: t.url })).status,
        303,
      );
      assert.equal((await signInWith({ 'sec-fetch-site': 'none' })).status, 303);
      assert.equal((await signInWith({ origin: t.url })).status, 303);
      assert.equal((await signInWith({})).status, 303);
    });

    it('refuses a cross-site tus PATCH and leaves the upload untouched', async () => {
      const client = new Client(t.url);
      await client.signIn(email);
      const created = await createUpload(client, {
        'upload-length': '5',
        'upload-metadata': `filename ${Buffer.from('a.txt').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const response = await client.request(location, {
        method: 'PATCH',
        headers: {
          ...(await tusHeaders(client)),
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
          'sec-fetch-site': 'cross-site',
        },
        body: 'hello',
      });
      assert.equal(response.status, 403);
      const head = await client.request(location, {
        method: 'HEAD',
        headers: { 'tus-resumable': '1.0.0' },
      });
      assert.equal(head.headers.get('upload-offset'), '0');
      const [row] = await t.app.database.db
        .select()
        .from(uploads)
        .where(eq(uploads.id, location.split('/').pop()!));
      assert.ok(row);
    });

    it('still serves cross-site navigations (GET): links from elsewhere keep working', async () => {
      const response = await new Client(t.url).get('/signin', { 'sec-fetch-site': 'cross-site' });
      assert.equal(response.status, 200);
    });

    for (const [label, type, body] of [
      ['JSON', 'application/json', JSON.stringify({ email: 'x@example.dz', password: 'p' })],
      ['JSON with a charset', 'application/json; charset=utf-8', '{}'],
      ['plain text', 'text/plain', 'email=x@example.dz&password=p'],
      ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
      ['XML', 'application/xml', '<a/>'],
    ] as const) {
      it(`refuses a ${label} body on a form route (415)`, async () => {
        const client = new Client(t.url);
        const token = await client.csrfToken('/signin');
        const response = await client.request('/signin', {
          method: 'POST',
          headers: { 'content-type': type, 'x-csrf-token': token },
          body,
        });
        assert.equal(response.status, 415);
        assert.match(await response.text(), /kind of request body is not accepted/);
      });
    }
  });
}
