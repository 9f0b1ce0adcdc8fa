/**
 * Abuse: getting a shared cache (Cloudflare, a corporate proxy, the browser's) to keep one
 * person's page or cookie and hand it to the next, for instance by asking for a personal
 * page under a URL that looks like a stylesheet (web cache deception). Only fingerprinted
 * static assets may be cached, never a response that sets a cookie, and a path that does
 * not exist is a 404 whatever its suffix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../../src/accounts/session.js';
import { users } from '../../src/accounts/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, uploadWithTus } from '../helpers/uploads.js';

for (const target of databaseTargets()) {
  describe(`cache policy on ${target.name}`, () => {
    let t: TestApp;
    let alice: Client;
    let fileId = '';

    before(async () => {
      t = await startTestApp(target);
      alice = new Client(t.url);
      await alice.register(uniqueEmail('cache'));
      await uploadWithTus(alice, Buffer.from('plain text'), { name: 'notes.txt' });
      fileId = fileIdFromListing(await (await alice.get('/files')).text(), 'notes.txt')!;
    });
    after(() => t.close());

    it('caches only fingerprinted assets, and never a response that sets a cookie', async () => {
      assert.equal((await alice.get('/files')).headers.get('cache-control'), 'no-store');
      assert.equal((await alice.get('/signin')).headers.get('cache-control'), 'no-store');
      const download = await alice.get(`/files/${fileId}/download`);
      assert.match(download.headers.get('cache-control') ?? '', /no-store/);
      await download.arrayBuffer();

      const landing = await (await new Client(t.url).get('/')).text();
      const css = landing.match(/href="(\/static\/[^"]+\.css)"/)![1]!;
      const asset = await fetch(`${t.url}${css}`);
      assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.deepEqual(asset.headers.getSetCookie(), []);

      // A session two hours old is renewed on its next request, whatever that request is.
      const db = t.app.database.db;
      const [user] = await db.select().from(users).limit(1);
      const { token } = await createSession(
        db,
        user!.id,
        { userAgent: '', ipPrefix: '' },
        new Date(Date.now() - 2 * 3600_000),
      );
      const renewed = await fetch(`${t.url}${css}`, {
        headers: { cookie: `KhaznatiSession=${token}` },
      });
      assert.ok(renewed.headers.getSetCookie().some((line) => line.startsWith('KhaznatiSession=')));
      assert.equal(renewed.headers.get('cache-control'), 'no-store');
    });

    it('answers 404 for a personal page under a static-looking suffix', async () => {
      for (const path of [
        '/files.css',
        '/files/x.js',
        '/account.png',
        '/account/style.css',
        '/files/.js',
      ]) {
        const response = await alice.get(path);
        assert.equal(response.status, 404, path);
        assert.equal(response.headers.get('cache-control'), 'no-store', path);
      }
    });
  });
}
