import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';

for (const target of databaseTargets()) {
  describe(`downloads on ${target.name}`, () => {
    let t: TestApp;
    let owner: Client;
    let stranger: Client;
    const data = randomFile(300_000);
    const name = 'Rapport فاتورة "2026".pdf';
    let id = '';

    before(async () => {
      t = await startTestApp(target);
      owner = new Client(t.url);
      stranger = new Client(t.url);
      await owner.register(uniqueEmail('owner'));
      await stranger.register(uniqueEmail('stranger'));
      await uploadWithTus(owner, data, { name });
      id = fileIdFromListing(await (await owner.get('/files')).text(), name)!;
      assert.ok(id);
    });
    after(() => t.close());

    it('sends the whole file as an attachment with length, ETag and the UTF-8 name', async () => {
      const response = await owner.get(`/files/${id}/download`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/pdf');
      assert.equal(response.headers.get('content-length'), String(data.length));
      assert.equal(response.headers.get('accept-ranges'), 'bytes');
      assert.match(response.headers.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
      const disposition = response.headers.get('content-disposition') ?? '';
      assert.match(
        disposition,
        /^attachment; filename="Rapport _+ _2026_.pdf"; filename\*=UTF-8''/,
      );
      assert.ok(disposition.includes(encodeURIComponent('فاتورة')));
      assert.equal(response.headers.get('content-security-policy'), "sandbox; default-src 'none'");
      assert.equal(sha256(Buffer.from(await response.arrayBuffer())), sha256(data));
    });

    for (const [label, range, start, end] of [
      ['a start-end range', 'bytes=100-199', 100, 199],
      ['an open-ended range', 'bytes=299000-', 299_000, 299_999],
      ['a suffix range', 'bytes=-500', 299_500, 299_999],
      ['a single byte', 'bytes=0-0', 0, 0],
      ['a range past the end, clipped', 'bytes=299990-999999', 299_990, 299_999],
    ] as const) {
      it(`answers ${label} with 206 and exactly those bytes`, async () => {
        const response = await owner.get(`/files/${id}/download`, { range });
        assert.equal(response.status, 206);
        assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${data.length}`);
        const body = Buffer.from(await response.arrayBuffer());
        assert.ok(body.equals(data.subarray(start, end + 1)));
      });
    }

    it('answers an unsatisfiable range with 416 and the size', async () => {
      const response = await owner.get(`/files/${id}/download`, {
        range: 'bytes=400000-500000',
        accept: 'application/json',
      });
      assert.equal(response.status, 416);
      assert.equal(response.headers.get('content-range'), `bytes */${data.length}`);
    });

    it('sends the whole file for a malformed or multi-part range', async () => {
      for (const range of ['bytes=abc', 'bytes=0-1,5-6', 'lines=1-2']) {
        const response = await owner.get(`/files/${id}/download`, { range });
        assert.equal(response.status, 200, range);
        assert.equal(Number(response.headers.get('content-length')), data.length);
        await response.arrayBuffer();
      }
    });

    it('ignores Range when If-Range names another version', async () => {
      const response = await owner.get(`/files/${id}/download`, {
        range: 'bytes=0-9',
        'if-range': '"stale"',
      });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    });

    it("answers 404 to another user's file exactly as to a missing one", async () => {
      const theirs = await stranger.get(`/files/${id}/download`, { accept: 'application/json' });
      const missing = await stranger.get('/files/00000000-0000-4000-8000-000000000000/download', {
        accept: 'application/json',
      });
      assert.equal(theirs.status, 404);
      assert.equal(missing.status, 404);
      const strip = (body: { error: { requestId?: string } }) => ({
        ...body.error,
        requestId: undefined,
      });
      assert.deepEqual(strip(await theirs.json()), strip(await missing.json()));
    });

    it('answers 404 to malformed ids, never 500', async () => {
      for (const bad of ['not-a-uuid', '%00', '..%2F..%2Fsecrets', '%E0%A4%A']) {
        const response = await owner.get(`/files/${bad}/download`, { accept: 'application/json' });
        assert.ok([400, 404].includes(response.status), `${bad}: ${response.status}`);
      }
    });

    it('answers 414 to an id of 5,000 characters', async () => {
      const response = await owner.get(`/files/${'x'.repeat(5000)}/download`, {
        accept: 'application/json',
      });
      assert.equal(response.status, 414);
      assert.equal((await response.json()).error.code, 'bad_request');
    });

    it('redirects a visitor without a session to sign in', async () => {
      const response = await new Client(t.url).get(`/files/${id}/download`);
      assert.equal(response.status, 303);
    });

    it("refuses to trash another user's file (404) and trashes one's own", async () => {
      const token = await stranger.csrfToken('/files');
      const theirs = await stranger.postForm(`/files/${id}/delete`, { _csrf: token });
      assert.equal(theirs.status, 404);
      assert.equal((await owner.get(`/files/${id}/download`, { range: 'bytes=0-0' })).status, 206);

      const mine = await owner.submit('/files', `/files/${id}/delete`, {});
      assert.equal(mine.status, 303);
      assert.equal(mine.headers.get('location'), '/files?notice=trashed');
      const gone = await owner.get(`/files/${id}/download`, { accept: 'application/json' });
      assert.equal(gone.status, 404);
      const again = await owner.submit('/files', `/files/${id}/delete`, {});
      assert.equal(again.status, 404);
    });
  });
}
