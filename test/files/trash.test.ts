import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { files, folders } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { createFolder, folderIdFromListing, listing, listingPath } from '../helpers/files.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, randomFile, uploadWithTus } from '../helpers/uploads.js';

const DAY = 24 * 3600_000;

for (const target of databaseTargets()) {
  describe(`trash on ${target.name}`, () => {
    let t: TestApp;
    let amina: Client;
    let karim: Client;

    const upload = async (client: Client, name: string, folder?: string, size = 2000) => {
      await uploadWithTus(client, randomFile(size), { name, folder });
      return fileIdFromListing(await listing(client, listingPath(folder)), name)!;
    };
    const blobKeyOf = async (id: string) => {
      const [row] = await t.app.database.db.select().from(files).where(eq(files.id, id));
      return row?.blobKey;
    };
    const usage = async (client: Client) =>
      (await listing(client)).match(/<meter[^>]*value="(\d+)"/)?.[1];

    before(async () => {
      t = await startTestApp(target);
      amina = new Client(t.url);
      karim = new Client(t.url);
      await amina.register(uniqueEmail('amina'));
      await karim.register(uniqueEmail('karim'));
    });
    after(() => t.close());

    it('trashes a file: gone from the listing and downloads, listed in the trash, restorable', async () => {
      const id = await upload(amina, 'facture.pdf');
      const used = await usage(amina);
      const trashed = await amina.submit('/files', `/files/${id}/delete`, {});
      assert.equal(trashed.status, 303);
      assert.equal(fileIdFromListing(await listing(amina), 'facture.pdf'), undefined);
      assert.equal((await amina.get(`/files/${id}/download`)).status, 404);
      assert.equal(await usage(amina), used, 'the trash still counts against the quota');

      const trash = await listing(amina, '/trash');
      assert.match(trash, new RegExp(`formaction="/files/${id}/restore"`));
      const restored = await amina.submit('/trash', `/files/${id}/restore`, {});
      assert.equal(restored.status, 303);
      assert.equal(restored.headers.get('location'), '/trash?notice=restored');
      assert.equal((await amina.get(`/files/${id}/download`)).status, 200);
    });

    it('trashes a folder with everything in it, and brings it all back', async () => {
      const box = await createFolder(amina, 'Boîte');
      const inner = await createFolder(amina, 'Inner', box);
      const id = await upload(amina, 'deep.txt', inner);
      const trashed = await amina.submit('/files', `/folders/${box}/delete`, {});
      assert.equal(trashed.status, 303);
      assert.equal((await amina.get(listingPath(inner))).status, 404);
      assert.equal((await amina.get(`/files/${id}/download`)).status, 404);
      assert.doesNotMatch(
        await listing(amina, '/files?q=deep'),
        /deep\.txt/,
        'not found by search',
      );

      await amina.submit('/trash', `/folders/${box}/restore`, {});
      assert.ok(fileIdFromListing(await listing(amina, listingPath(inner)), 'deep.txt'));
      assert.equal((await amina.get(`/files/${id}/download`)).status, 200);
    });

    it('restores to the top a file whose folder is itself in the trash', async () => {
      const box = await createFolder(amina, 'Carton');
      const id = await upload(amina, 'loose.txt', box);
      await amina.submit('/files', `/files/${id}/delete`, {});
      await amina.submit('/files', `/folders/${box}/delete`, {});
      await amina.submit('/trash', `/files/${id}/restore`, {});
      assert.ok(fileIdFromListing(await listing(amina), 'loose.txt'));
      assert.equal(folderIdFromListing(await listing(amina), 'Carton'), undefined);
    });

    it('empties the trash: rows and bytes gone, space given back, live files kept', async () => {
      const keep = await upload(amina, 'keep.txt');
      const gone = await upload(amina, 'gone.txt', undefined, 50_000);
      const box = await createFolder(amina, 'Doomed');
      const inside = await upload(amina, 'inside.txt', box);
      const keys = [await blobKeyOf(gone), await blobKeyOf(inside)];
      await amina.submit('/files', `/files/${gone}/delete`, {});
      await amina.submit('/files', `/folders/${box}/delete`, {});
      const before = Number(await usage(amina));

      const emptied = await amina.submit('/trash', '/trash/empty', {});
      assert.equal(emptied.status, 303);
      assert.match(await listing(amina, '/trash?notice=emptied'), /The trash is empty/);
      assert.ok(Number(await usage(amina)) <= before - 50_000);
      for (const key of keys)
        assert.equal(await t.app.database.db.$count(files, eq(files.blobKey, key!)), 0);
      for (const key of keys)
        assert.equal(await t.app.server.blobs.stat(key!), null, 'bytes removed');
      assert.equal(await t.app.database.db.$count(folders, eq(folders.id, box)), 0);
      assert.equal((await amina.get(`/files/${keep}/download`)).status, 200);
    });

    it('purges only what has been in the trash for more than 30 days (scheduled job)', async () => {
      const old = await upload(amina, 'old.txt');
      const recent = await upload(amina, 'recent.txt');
      const oldFolder = await createFolder(amina, 'Old folder');
      const oldInside = await upload(amina, 'old-inside.txt', oldFolder);
      for (const path of [`/files/${old}/delete`, `/files/${recent}/delete`]) {
        await amina.submit('/files', path, {});
      }
      await amina.submit('/files', `/folders/${oldFolder}/delete`, {});
      const longAgo = new Date(Date.now() - 31 * DAY);
      const db = t.app.database.db;
      await db.update(files).set({ deletedAt: longAgo }).where(eq(files.id, old));
      await db.update(folders).set({ deletedAt: longAgo }).where(eq(folders.id, oldFolder));
      const key = await blobKeyOf(oldInside);

      const result = await t.app.cleanUp();
      assert.ok(result.trashedFiles >= 2);
      assert.equal(await db.$count(files, eq(files.id, old)), 0);
      assert.equal(await db.$count(files, eq(files.id, oldInside)), 0, 'inside the old folder');
      assert.equal(await t.app.server.blobs.stat(key!), null);
      assert.equal(await db.$count(files, eq(files.id, recent)), 1, 'recent stays');
      assert.match(await listing(amina, '/trash'), /recent\.txt/);
    });

    it("never shows, restores or empties another user's trash (404)", async () => {
      const theirs = await upload(karim, 'karim-secret.txt');
      const theirFolder = await createFolder(karim, 'Karim box');
      await karim.submit('/files', `/files/${theirs}/delete`, {});
      await karim.submit('/files', `/folders/${theirFolder}/delete`, {});

      assert.doesNotMatch(await listing(amina, '/trash'), /karim-secret/);
      const token = await amina.csrfToken('/trash');
      for (const path of [`/files/${theirs}/restore`, `/folders/${theirFolder}/restore`]) {
        const response = await amina.postForm(path, { _csrf: token });
        assert.equal(response.status, 404, path);
      }
      for (const path of ['/files/not-a-uuid/restore', `/folders/${'9'.repeat(40)}/restore`]) {
        assert.equal((await amina.postForm(path, { _csrf: token })).status, 404, path);
      }
      await amina.postForm('/trash/empty', { _csrf: token });
      assert.match(await listing(karim, '/trash'), /karim-secret/, "karim's trash untouched");
      assert.equal((await amina.submit('/files', `/files/${theirs}/delete`, {})).status, 404);
    });

    it('refuses to restore what is not in the trash (404), and asks for the CSRF token', async () => {
      const id = await upload(amina, 'here.txt');
      assert.equal((await amina.submit('/trash', `/files/${id}/restore`, {})).status, 404);
      await amina.get('/trash');
      const forged = await amina.postForm('/trash/empty', { _csrf: 'forged' });
      assert.equal(forged.status, 403);
      assert.equal((await new Client(t.url).get('/trash')).status, 303, 'sign-in first');
      const count = await t.app.database.db.$count(files, sql`${files.deletedAt} IS NOT NULL`);
      assert.ok(count >= 1, 'nothing was emptied by the forged form');
    });
  });
}
