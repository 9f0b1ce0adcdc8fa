import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import {
  createFolder,
  folderIdFromListing,
  listing,
  listingPath,
  submitSelection,
} from '../helpers/files.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, randomFile, uploadWithTus } from '../helpers/uploads.js';

for (const target of databaseTargets()) {
  describe(`moving and selecting on ${target.name}`, () => {
    let t: TestApp;
    let amina: Client;
    let karim: Client;
    let photos = '';
    let trip = '';
    let beach = '';
    let fileA = '';
    let fileB = '';
    let karimsFile = '';
    let karimsFolder = '';

    before(async () => {
      t = await startTestApp(target);
      amina = new Client(t.url);
      karim = new Client(t.url);
      await amina.register(uniqueEmail('amina'));
      await karim.register(uniqueEmail('karim'));
      photos = await createFolder(amina, 'Photos');
      trip = await createFolder(amina, 'Trip', photos);
      beach = await createFolder(amina, 'Beach', trip);
      await uploadWithTus(amina, randomFile(100), { name: 'a.jpg' });
      await uploadWithTus(amina, randomFile(100), { name: 'b.jpg' });
      const top = await listing(amina);
      fileA = fileIdFromListing(top, 'a.jpg')!;
      fileB = fileIdFromListing(top, 'b.jpg')!;
      await uploadWithTus(karim, randomFile(100), { name: 'k.jpg' });
      karimsFile = fileIdFromListing(await listing(karim), 'k.jpg')!;
      karimsFolder = await createFolder(karim, 'Karim');
    });
    after(() => t.close());

    it('moves several files and a folder at once, then back to the top', async () => {
      const loose = await createFolder(amina, 'Loose');
      const moved = await submitSelection(amina, {
        action: 'move',
        file: [fileA, fileB],
        folder: [loose],
        destination: photos,
      });
      assert.equal(moved.status, 303);
      const inPhotos = await listing(amina, listingPath(photos));
      assert.ok(fileIdFromListing(inPhotos, 'a.jpg'));
      assert.ok(fileIdFromListing(inPhotos, 'b.jpg'));
      assert.equal(folderIdFromListing(inPhotos, 'Loose'), loose);

      const back = await submitSelection(amina, {
        action: 'move',
        file: [fileA, fileB],
        destination: '',
      });
      assert.equal(back.status, 303);
      assert.ok(fileIdFromListing(await listing(amina), 'a.jpg'));
    });

    for (const [label, folder, destination] of [
      ['into itself', () => photos, () => photos],
      ['into its child', () => photos, () => trip],
      ['into a deeper descendant', () => trip, () => beach],
    ] as const) {
      it(`refuses to move a folder ${label} (409), moving nothing`, async () => {
        const response = await submitSelection(amina, {
          action: 'move',
          file: [fileA],
          folder: [folder()],
          destination: destination(),
        });
        assert.equal(response.status, 409);
        assert.match(await response.text(), /cannot be moved into itself/);
        assert.ok(fileIdFromListing(await listing(amina), 'a.jpg'), 'the file stayed too');
      });
    }

    it("refuses another user's folder as destination (404)", async () => {
      const response = await submitSelection(amina, {
        action: 'move',
        file: [fileA],
        destination: karimsFolder,
      });
      assert.equal(response.status, 404);
      assert.ok(fileIdFromListing(await listing(amina), 'a.jpg'));
    });

    it("refuses a selection holding another user's item (404) and changes nothing", async () => {
      for (const action of ['move', 'trash']) {
        const response = await submitSelection(amina, {
          action,
          file: [fileA, karimsFile],
          destination: photos,
        });
        assert.equal(response.status, 404, action);
      }
      const folders = await submitSelection(amina, { action: 'trash', folder: [karimsFolder] });
      assert.equal(folders.status, 404);
      assert.ok(fileIdFromListing(await listing(amina), 'a.jpg'), 'own file untouched');
      const karimsView = await listing(karim);
      assert.ok(fileIdFromListing(karimsView, 'k.jpg'), "karim's file untouched");
      assert.ok(folderIdFromListing(karimsView, 'Karim'));
    });

    it('refuses an empty, oversized or malformed selection with 4xx, never 500', async () => {
      const empty = await submitSelection(amina, { action: 'trash' });
      assert.equal(empty.status, 400);
      assert.match(await empty.text(), /Select at least one/);

      const many = Array.from({ length: 1001 }, () => fileA);
      const tooMany = await submitSelection(amina, { action: 'trash', file: many });
      assert.equal(tooMany.status, 400);

      const hostile = await submitSelection(amina, {
        action: 'move',
        file: ["' OR 1=1 --", '../../x'],
      });
      assert.equal(hostile.status, 404);

      const unknown = await submitSelection(amina, { action: 'delete-everything', file: [fileA] });
      assert.equal(unknown.status, 400);

      const longId = await submitSelection(amina, { action: 'trash', file: ['f'.repeat(500)] });
      assert.equal(longId.status, 400);
    });

    it('puts a selection in the trash, and back to the folder the form was on', async () => {
      const token = await amina.csrfToken(listingPath(photos));
      const body = new URLSearchParams({ _csrf: token, action: 'trash', from: photos });
      body.append('folder', trip);
      const response = await amina.request('/files/selection', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), `/files?folder=${photos}&notice=trashed`);
      assert.equal(
        folderIdFromListing(await listing(amina, listingPath(photos)), 'Trip'),
        undefined,
      );
      assert.equal((await amina.get(listingPath(beach))).status, 404, 'inside the trash too');
    });

    it('refuses to move into a folder that is in the trash (404)', async () => {
      const response = await submitSelection(amina, {
        action: 'move',
        file: [fileA],
        destination: beach,
      });
      assert.equal(response.status, 404);
    });
  });
}
