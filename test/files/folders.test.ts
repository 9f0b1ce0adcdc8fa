import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { createFolder, folderIdFromListing, listing, listingPath } from '../helpers/files.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import {
  createUpload,
  fileIdFromListing,
  randomFile,
  storedBlobs,
  uploadWithTus,
} from '../helpers/uploads.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

for (const target of databaseTargets()) {
  describe(`folders on ${target.name}`, () => {
    let t: TestApp;
    let amina: Client;
    let karim: Client;
    let papers = '';
    let taxes = '';
    let karimsFolder = '';

    before(async () => {
      t = await startTestApp(target);
      amina = new Client(t.url);
      karim = new Client(t.url);
      await amina.register(uniqueEmail('amina'));
      await karim.register(uniqueEmail('karim'));
      papers = await createFolder(amina, 'Papiers وثائق');
      taxes = await createFolder(amina, 'Impôts 2025', papers);
      karimsFolder = await createFolder(karim, 'Karim private');
    });
    after(() => t.close());

    it('lists a folder’s own children, with breadcrumbs back to the top', async () => {
      const top = await listing(amina);
      assert.ok(folderIdFromListing(top, 'Papiers وثائق'));
      assert.equal(folderIdFromListing(top, 'Impôts 2025'), undefined, 'not at the top');

      const inner = await listing(amina, listingPath(taxes));
      assert.match(inner, /<nav aria-label="Location" class="crumbs">/);
      assert.match(inner, new RegExp(`href="/files\\?folder=${papers}"><bdi>Papiers وثائق</bdi>`));
      assert.match(inner, /<h1><bdi>Impôts 2025<\/bdi><\/h1>/);
      assert.match(inner, /This folder is empty/);
    });

    it('puts a tus upload into the folder named in its metadata', async () => {
      await uploadWithTus(amina, randomFile(1000), { name: 'avis.pdf', folder: taxes });
      assert.ok(fileIdFromListing(await listing(amina, listingPath(taxes)), 'avis.pdf'));
      assert.equal(fileIdFromListing(await listing(amina), 'avis.pdf'), undefined);
    });

    it("refuses a tus upload into another user's, a missing or a malformed folder (404)", async () => {
      const before = await storedBlobs(t);
      for (const folder of [karimsFolder, MISSING, '../../etc', 'x'.repeat(300)]) {
        const response = await createUpload(amina, {
          'upload-length': '5',
          'upload-metadata': `filename ${Buffer.from('a.txt').toString('base64')},folder ${Buffer.from(folder).toString('base64')}`,
        });
        assert.equal(response.status, 404, folder);
        assert.match(await response.text(), /folder does not exist/);
      }
      assert.deepEqual(await storedBlobs(t), before, 'nothing stored');
    });

    for (const [label, name] of [
      ['empty', ''],
      ['only spaces', '   '],
      ['containing /', 'a/b'],
      ['exactly ..', '..'],
      ['with a right-to-left override', 'x\u202Eyz'],
      ['300 characters long', 'n'.repeat(300)],
    ] as const) {
      it(`refuses a folder name ${label} (400) and creates nothing`, async () => {
        const response = await amina.submit('/files', '/folders', { name, parent: '' });
        assert.equal(response.status, 400);
        assert.match(await response.text(), /folder name cannot be used/);
      });
    }

    it('refuses a 5,000-character name as malformed (400), not 500', async () => {
      const response = await amina.submit('/files', '/folders', { name: 'n'.repeat(5000) });
      assert.equal(response.status, 400);
    });

    it("refuses to create inside another user's or a missing folder (404)", async () => {
      for (const parent of [karimsFolder, MISSING, 'not-a-uuid']) {
        const response = await amina.submit('/files', '/folders', { name: 'x', parent });
        assert.equal(response.status, 404, parent);
      }
      assert.doesNotMatch(await listing(karim, listingPath(karimsFolder)), /<bdi>x<\/bdi>/);
    });

    it("answers another user's folder exactly like a missing one (404)", async () => {
      const theirs = await amina.get(listingPath(karimsFolder), { accept: 'application/json' });
      const missing = await amina.get(listingPath(MISSING), { accept: 'application/json' });
      assert.equal(theirs.status, 404);
      assert.equal(missing.status, 404);
      const strip = (body: { error: object }) => ({ ...body.error, requestId: undefined });
      assert.deepEqual(strip(await theirs.json()), strip(await missing.json()));
      assert.equal((await amina.get(`/folders/${karimsFolder}/rename`)).status, 404);
    });

    for (const query of [
      'folder=not-a-uuid',
      'folder=%00',
      `folder=${'f'.repeat(100)}`,
      'page=0',
      'page=-1',
      'page=abc',
      'page=99999999999',
      'sort=evil',
      'order=sideways',
      'sort=name&sort=size',
      `q=${'q'.repeat(201)}`,
    ]) {
      it(`answers a malformed listing query (${query.slice(0, 30)}) with 4xx, never 500`, async () => {
        const response = await amina.get(`/files?${query}`);
        assert.ok([400, 404].includes(response.status), `${query}: ${response.status}`);
      });
    }

    it('renames a folder, and re-shows the form with the reason for a bad name', async () => {
      const id = await createFolder(amina, 'Old name');
      const form = await amina.get(`/folders/${id}/rename`);
      assert.match(await form.text(), /value="Old name"/);
      const bad = await amina.submit(`/folders/${id}/rename`, `/folders/${id}/rename`, {
        name: 'a/b',
      });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /folder name cannot be used/);
      const good = await amina.submit(`/folders/${id}/rename`, `/folders/${id}/rename`, {
        name: 'اسم جديد',
      });
      assert.equal(good.status, 303);
      assert.equal(good.headers.get('location'), '/files?notice=renamed');
      assert.equal(folderIdFromListing(await listing(amina), 'اسم جديد'), id);
    });

    it("refuses to rename another user's folder or file (404), leaving it as it was", async () => {
      const token = await amina.csrfToken('/files');
      const folder = await amina.postForm(`/folders/${karimsFolder}/rename`, {
        _csrf: token,
        name: 'owned',
      });
      assert.equal(folder.status, 404);
      await uploadWithTus(karim, randomFile(10), { name: 'karim.txt' });
      const fileId = fileIdFromListing(await listing(karim), 'karim.txt')!;
      const file = await amina.postForm(`/files/${fileId}/rename`, { _csrf: token, name: 'x' });
      assert.equal(file.status, 404);
      assert.equal((await amina.get(`/files/${fileId}/rename`)).status, 404);
      assert.ok(fileIdFromListing(await listing(karim), 'karim.txt'));
      assert.ok(folderIdFromListing(await listing(karim), 'Karim private'));
    });

    it('renames a file; its name must follow the file name rules', async () => {
      await uploadWithTus(amina, randomFile(10), { name: 'scan.png' });
      const id = fileIdFromListing(await listing(amina), 'scan.png')!;
      const bad = await amina.submit('/files', `/files/${id}/rename`, { name: '' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /file name cannot be used/);
      const good = await amina.submit('/files', `/files/${id}/rename`, { name: 'بطاقة scan.png' });
      assert.equal(good.status, 303);
      assert.equal(fileIdFromListing(await listing(amina), 'بطاقة scan.png'), id);
    });

    it('asks for the CSRF token on every change (403)', async () => {
      await amina.get('/files');
      for (const path of ['/folders', `/folders/${papers}/rename`, `/folders/${papers}/delete`]) {
        const response = await amina.postForm(path, { _csrf: 'forged', name: 'x' });
        assert.equal(response.status, 403, path);
      }
    });
  });
}
