import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, uniqueEmail } from './helpers/browser-like-client.js';
import { databaseTargets } from './helpers/databases.js';
import { startTestApp } from './helpers/test-app.js';
import { fileIdFromListing, randomFile, sha256, uploadWithTus } from './helpers/uploads.js';

for (const target of databaseTargets()) {
  describe(`a person's first visit on ${target.name}`, () => {
    it('register → sign out → sign in → upload → list → download → trash → sign out', async () => {
      const t = await startTestApp(target);
      try {
        const email = uniqueEmail('amina');
        const visitor = new Client(t.url);
        const landing = await visitor.get('/');
        assert.equal(landing.status, 200);
        assert.match(await landing.text(), /href="\/register"/);

        assert.equal((await visitor.register(email)).status, 303);
        assert.equal((await visitor.submit('/files', '/signout', {})).status, 303);
        assert.equal((await visitor.get('/files')).status, 303, 'signed out');

        const signIn = await visitor.signIn(email);
        assert.equal(signIn.status, 303);
        assert.equal(signIn.headers.get('location'), '/files');

        const empty = await (await visitor.get('/files')).text();
        assert.match(empty, /You have no files yet/);

        const photo = randomFile(2 * 1024 * 1024 + 17);
        await uploadWithTus(visitor, photo, { name: 'family.jpg' });
        const listing = await (await visitor.get('/files')).text();
        const id = fileIdFromListing(listing, 'family.jpg');
        assert.ok(id, 'the photo is listed');
        assert.match(listing, /2 MB/);

        const download = await visitor.get(`/files/${id}/download`);
        assert.equal(sha256(Buffer.from(await download.arrayBuffer())), sha256(photo));

        assert.equal((await visitor.submit('/files', `/files/${id}/delete`, {})).status, 303);
        const after = await (await visitor.get('/files?notice=trashed')).text();
        assert.equal(fileIdFromListing(after, 'family.jpg'), undefined);
        assert.match(after, /Moved to the trash/);
        assert.match(await (await visitor.get('/trash')).text(), /<bdi>family\.jpg<\/bdi>/);

        assert.equal((await visitor.submit('/files', '/signout', {})).status, 303);
        assert.equal((await visitor.get('/files')).status, 303);
      } finally {
        await t.close();
      }
    });
  });
}
