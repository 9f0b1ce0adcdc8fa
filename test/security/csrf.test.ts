/**
 * Abuse: a page on another site makes a signed-in person's browser send a form or a tus
 * request to Khaznati (cross-site request forgery), replays a token picked up before the
 * person signed in, or dresses a state change up as a "safe" method, directly or through a
 * method-override header. Every unsafe route must demand a token bound to the session and
 * renewed at sign-in, and GET, HEAD and OPTIONS must change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { sessions } from '../../src/accounts/tables.js';
import { uploads } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createUpload, fileIdFromListing, uploadWithTus } from '../helpers/uploads.js';
import { unsafeRoutes } from './support.js';

// The token is checked before any lookup, so the folder need not exist.
const SOME_FOLDER = '00000000-0000-4000-8000-000000000000';
const metadata = (name: string) => `filename ${Buffer.from(name).toString('base64')}`;

for (const target of databaseTargets()) {
  describe(`CSRF on ${target.name}`, () => {
    let t: TestApp;
    let alice: Client;
    let fileId = '';
    let uploadPath = '';
    let otherSessionId = '';

    /** Everything an attack could have changed, to compare before and after. */
    async function snapshot() {
      const listing = await (await alice.get('/files')).text();
      const upload = await t.app.database.db
        .select()
        .from(uploads)
        .where(eq(uploads.id, uploadPath.split('/').pop()!));
      const rows = await t.app.database.db.select().from(sessions);
      return {
        signedIn: listing.includes('action="/signout"'),
        fileListed: fileIdFromListing(listing, 'kept.txt') === fileId,
        uploadKept: upload.length === 1,
        sessions: rows.length,
      };
    }

    before(async () => {
      t = await startTestApp(target);
      alice = new Client(t.url);
      const email = uniqueEmail('alice');
      await alice.register(email);
      await uploadWithTus(alice, Buffer.from('keep me'), { name: 'kept.txt' });
      fileId = fileIdFromListing(await (await alice.get('/files')).text(), 'kept.txt')!;
      const created = await createUpload(alice, {
        'upload-length': '10',
        'upload-metadata': metadata('p.txt'),
      });
      uploadPath = created.headers.get('location')!;
      const laptop = new Client(t.url);
      await laptop.signIn(email);
      const [row] = await t.app.database.db.select().from(sessions).limit(1);
      otherSessionId = row!.id;
    });
    after(() => t.close());

    it('refuses every unsafe route without a valid token (403) and changes nothing', async () => {
      const attacks: Record<string, { path: string; headers?: Record<string, string> }> = {
        'POST /signin': { path: '/signin' },
        'POST /register': { path: '/register' },
        'POST /signout': { path: '/signout' },
        'POST /account/password': { path: '/account/password' },
        'POST /account/sessions/:id/revoke': { path: `/account/sessions/${otherSessionId}/revoke` },
        'POST /account/signout-everywhere': { path: '/account/signout-everywhere' },
        'POST /files/:id/delete': { path: `/files/${fileId}/delete` },
        'POST /uploads': { path: '/uploads', headers: { 'upload-length': '5' } },
        'POST /uploads/:id': { path: uploadPath },
        'PATCH /uploads': { path: '/uploads' },
        'PATCH /uploads/:id': {
          path: uploadPath,
          headers: { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        },
        'DELETE /uploads': { path: '/uploads' },
        'DELETE /uploads/:id': { path: uploadPath },
        'POST /files/:id/rename': { path: `/files/${fileId}/rename` },
        'POST /files/:id/restore': { path: `/files/${fileId}/restore` },
        'POST /files/selection': { path: '/files/selection' },
        'POST /files/upload': { path: '/files/upload' },
        'POST /folders': { path: '/folders' },
        'POST /folders/:id/delete': { path: `/folders/${SOME_FOLDER}/delete` },
        'POST /folders/:id/rename': { path: `/folders/${SOME_FOLDER}/rename` },
        'POST /folders/:id/restore': { path: `/folders/${SOME_FOLDER}/restore` },
        'POST /language': { path: '/language' },
        'POST /trash/empty': { path: '/trash/empty' },
      };
      assert.deepEqual(
        unsafeRoutes(t.app.server),
        Object.keys(attacks).sort(),
        'a new unsafe route needs its attack here',
      );

      const before = await snapshot();
      for (const [route, attack] of Object.entries(attacks)) {
        const method = route.split(' ')[0]!;
        for (const token of [undefined, 'forged-token']) {
          const form = new URLSearchParams({
            email: 'x@example.dz',
            password: 'correct horse battery',
          });
          if (token) form.set('_csrf', token);
          const isTus = attack.path.startsWith('/uploads');
          const response = await alice.request(attack.path, {
            method,
            headers: {
              ...(isTus
                ? { 'tus-resumable': '1.0.0', ...(token ? { 'x-csrf-token': token } : {}) }
                : { 'content-type': 'application/x-www-form-urlencoded' }),
              ...attack.headers,
            },
            body: isTus ? (method === 'PATCH' ? 'hello' : undefined) : form.toString(),
          });
          assert.equal(response.status, 403, `${route} with token ${token}`);
        }
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('refuses a token from before sign-in, even with the old CSRF cookie put back', async () => {
      const client = new Client(t.url);
      const email = uniqueEmail('renewed');
      await new Client(t.url).register(email);
      const oldToken = await client.csrfToken('/signin');
      const oldCookie = client.cookies.get('KhaznatiCsrf')!;
      const signIn = await client.postForm('/signin', {
        _csrf: oldToken,
        email,
        password: 'correct horse battery',
      });
      assert.equal(signIn.status, 303);
      assert.ok(
        signIn.headers.getSetCookie().some((line) => /^KhaznatiCsrf=;/.test(line)),
        'the CSRF secret is dropped at sign-in',
      );

      client.cookies.set('KhaznatiCsrf', oldCookie);
      const replay = await client.postForm('/signout', { _csrf: oldToken });
      assert.equal(replay.status, 403);
      assert.equal((await client.get('/files')).status, 200, 'still signed in');
    });

    it("refuses a token bound to another person's session, even under the same secret", async () => {
      const bob = new Client(t.url);
      await bob.register(uniqueEmail('bob'));
      const aliceToken = await alice.csrfToken('/files');
      bob.cookies.set('KhaznatiCsrf', alice.cookies.get('KhaznatiCsrf')!);
      const response = await bob.postForm('/signout', { _csrf: aliceToken });
      assert.equal(response.status, 403);
      assert.equal((await bob.get('/files')).status, 200, 'bob is still signed in');
    });

    it('changes nothing on GET, HEAD or OPTIONS, token or not', async () => {
      const before = await snapshot();
      const token = await alice.csrfToken('/files');
      const headers = { 'x-csrf-token': token, 'tus-resumable': '1.0.0' };
      for (const path of [
        '/signout',
        '/account/signout-everywhere',
        `/account/sessions/${otherSessionId}/revoke`,
        `/files/${fileId}/delete`,
        uploadPath,
      ]) {
        for (const method of ['GET', 'HEAD', 'OPTIONS']) {
          const response = await alice.request(`${path}?_csrf=${token}`, { method, headers });
          assert.ok(response.status < 500, `${method} ${path}: ${response.status}`);
        }
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('refuses X-HTTP-Method-Override (400): HEAD or POST never becomes DELETE', async () => {
      const before = await snapshot();
      const token = await alice.csrfToken('/files');
      for (const method of ['HEAD', 'POST', 'GET']) {
        for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
          const response = await alice.request(uploadPath, {
            method,
            headers: { 'tus-resumable': '1.0.0', 'x-csrf-token': token, [header]: 'DELETE' },
          });
          assert.equal(response.status, 400, `${method} with ${header}`);
        }
      }
      const deleteForm = await alice.request(`/files/${fileId}/delete`, {
        method: 'GET',
        headers: { 'x-http-method-override': 'POST' },
      });
      assert.equal(deleteForm.status, 400);
      assert.deepEqual(await snapshot(), before);
    });
  });
}
