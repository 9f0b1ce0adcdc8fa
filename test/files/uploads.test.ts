import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { Upload } from 'tus-js-client';
import { files, uploads } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import {
  createUpload,
  fileIdFromListing,
  randomFile,
  sha256,
  storedBlobs,
  tusHeaders,
  uploadWithTus,
} from '../helpers/uploads.js';

const MiB = 1024 * 1024;

for (const target of databaseTargets()) {
  describe(`uploads (tus) on ${target.name}`, () => {
    let t: TestApp;
    let alice: Client;
    let bob: Client;

    before(async () => {
      t = await startTestApp(target, {
        DEFAULT_QUOTA_BYTES: String(64 * MiB),
        MAX_UPLOAD_BYTES: String(48 * MiB),
      });
      alice = new Client(t.url);
      bob = new Client(t.url);
      await alice.register(uniqueEmail('alice'));
      await bob.register(uniqueEmail('bob'));
    });
    after(() => t.close());

    it('resumes an interrupted upload and the download has the same SHA-256', async () => {
      const data = randomFile(6 * MiB + 123);
      const headers = await tusHeaders(alice);
      let uploadUrl = '';

      // First attempt: stop the client once more than a third has been acknowledged.
      await new Promise<void>((resolve, reject) => {
        const upload = new Upload(data, {
          endpoint: `${t.url}/uploads`,
          chunkSize: MiB,
          retryDelays: [],
          metadata: { filename: 'holiday photos.zip' },
          headers,
          onError: reject,
          onChunkComplete(_chunk, accepted) {
            if (accepted > data.length / 3) {
              uploadUrl = upload.url!;
              upload.abort().then(resolve, reject);
            }
          },
          onSuccess: () => reject(new Error('the upload should have been interrupted')),
        });
        upload.start();
      });

      const head = await alice.request(uploadUrl, {
        method: 'HEAD',
        headers: { 'tus-resumable': '1.0.0' },
      });
      const offset = Number(head.headers.get('upload-offset'));
      assert.ok(offset > data.length / 3 && offset < data.length, `server kept ${offset} bytes`);

      // Second attempt: a new client resumes from what the server has.
      let resumedFrom = -1;
      await new Promise<void>((resolve, reject) => {
        const upload = new Upload(data, {
          endpoint: `${t.url}/uploads`,
          uploadUrl,
          chunkSize: MiB,
          retryDelays: [],
          headers,
          onError: reject,
          onProgress(sent) {
            if (resumedFrom < 0) resumedFrom = sent;
          },
          onSuccess: () => resolve(),
        });
        upload.start();
      });
      assert.ok(resumedFrom >= offset, 'no acknowledged byte was sent again');

      const listing = await (await alice.get('/files')).text();
      const id = fileIdFromListing(listing, 'holiday photos.zip');
      assert.ok(id, 'the file is listed');
      const download = await alice.get(`/files/${id}/download`);
      assert.equal(download.status, 200);
      assert.equal(sha256(Buffer.from(await download.arrayBuffer())), sha256(data));

      const [row] = await t.app.database.db.select().from(files).where(eq(files.id, id));
      assert.equal(row?.sha256, sha256(data));
      assert.equal(row?.size, data.length);
    });

    it('answers 401 to tus requests without a session', async () => {
      const response = await fetch(`${t.url}/uploads`, {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
      });
      assert.equal(response.status, 401);
    });

    it('answers 403 to a tus creation without the CSRF token', async () => {
      const response = await alice.request('/uploads', {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
      });
      assert.equal(response.status, 403);
    });

    it('answers 412 without Tus-Resumable', async () => {
      const response = await alice.request('/uploads', {
        method: 'POST',
        headers: { ...(await tusHeaders(alice)), 'upload-length': '10' },
      });
      assert.equal(response.status, 412);
    });

    for (const [label, length, status] of [
      ['negative', '-1', 400],
      ['not a number', 'ten', 400],
      ['over MAX_UPLOAD_BYTES', String(49 * MiB), 413],
      ['absurdly large', '99999999999999999999999', 400],
    ] as const) {
      it(`refuses an Upload-Length that is ${label} (${status}) before storing anything`, async () => {
        const before = await storedBlobs(t);
        const response = await createUpload(alice, {
          'upload-length': length,
          'upload-metadata': `filename ${Buffer.from('a.txt').toString('base64')}`,
        });
        assert.equal(response.status, status);
        assert.deepEqual(await storedBlobs(t), before);
      });
    }

    it('says in the person’s language that a file is over the maximum size', async () => {
      const response = await createUpload(alice, {
        'accept-language': 'fr',
        'upload-length': String(49 * MiB),
        'upload-metadata': `filename ${Buffer.from('a.txt').toString('base64')}`,
      });
      assert.equal(response.status, 413);
      assert.match(await response.text(), /taille maximale/);
    });

    it('refuses an upload that does not fit the remaining quota (413)', async () => {
      const client = new Client(t.url);
      await client.register(uniqueEmail('small'));
      const first = await createUpload(client, {
        'upload-length': String(40 * MiB),
        'upload-metadata': `filename ${Buffer.from('big.bin').toString('base64')}`,
      });
      assert.equal(first.status, 201, 'the first upload fits');
      const response = await createUpload(client, {
        'upload-length': String(30 * MiB),
        'upload-metadata': `filename ${Buffer.from('big2.bin').toString('base64')}`,
      });
      assert.equal(response.status, 413);
      assert.match(await response.text(), /does not fit in your remaining storage/);
    });

    it('refuses a deferred length (400): the quota needs the size up front', async () => {
      const response = await createUpload(alice, {
        'upload-defer-length': '1',
        'upload-metadata': `filename ${Buffer.from('a.txt').toString('base64')}`,
      });
      assert.equal(response.status, 400);
    });

    for (const [label, name] of [
      ['empty', ''],
      ['10,000 characters long', 'x'.repeat(10_000)],
      ['containing /', 'a/b.txt'],
      ['exactly ..', '..'],
      ['containing NUL', 'a\u0000b.txt'],
      ['containing a control character', 'a\u001bb.txt'],
      ['containing a right-to-left override', 'invoice\u202Efdp.exe'],
    ] as const) {
      it(`refuses a file name ${label} (400)`, async () => {
        const response = await createUpload(alice, {
          'upload-length': '5',
          'upload-metadata': `filename ${Buffer.from(name).toString('base64')}`,
        });
        assert.equal(response.status, 400);
        assert.match(await response.text(), /file name cannot be used/);
      });
    }

    it('answers 409 when the PATCH offset does not match', async () => {
      const created = await createUpload(alice, {
        'upload-length': '10',
        'upload-metadata': `filename ${Buffer.from('a.txt').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const response = await alice.request(location, {
        method: 'PATCH',
        headers: {
          ...(await tusHeaders(alice)),
          'tus-resumable': '1.0.0',
          'upload-offset': '5',
          'content-type': 'application/offset+octet-stream',
        },
        body: Buffer.from('hello'),
      });
      assert.equal(response.status, 409);
    });

    it("answers 404 to another user's upload id, for HEAD, PATCH and DELETE", async () => {
      const created = await createUpload(alice, {
        'upload-length': '10',
        'upload-metadata': `filename ${Buffer.from('mine.txt').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const bobHeaders = { ...(await tusHeaders(bob)), 'tus-resumable': '1.0.0' };

      const head = await bob.request(location, { method: 'HEAD', headers: bobHeaders });
      assert.equal(head.status, 404);
      const patch = await bob.request(location, {
        method: 'PATCH',
        headers: {
          ...bobHeaders,
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        body: Buffer.from('0123456789'),
      });
      assert.equal(patch.status, 404);
      const del = await bob.request(location, { method: 'DELETE', headers: bobHeaders });
      assert.equal(del.status, 404);

      const mine = await alice.request(location, {
        method: 'HEAD',
        headers: { 'tus-resumable': '1.0.0' },
      });
      assert.equal(mine.status, 200, "alice's upload is untouched");
      assert.equal(mine.headers.get('upload-offset'), '0');
    });

    it('answers 404 to an upload id of the wrong shape', async () => {
      const response = await alice.request('/uploads/..%2F..%2Fetc%2Fpasswd', {
        method: 'HEAD',
        headers: { 'tus-resumable': '1.0.0' },
      });
      assert.equal(response.status, 404);
    });

    it('terminates an upload: its stored bytes and row are removed', async () => {
      const created = await createUpload(alice, {
        'upload-length': '10',
        'upload-metadata': `filename ${Buffer.from('gone.txt').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const id = location.split('/').pop()!;
      const [pending] = await t.app.database.db.select().from(uploads).where(eq(uploads.id, id));
      assert.ok((await storedBlobs(t)).includes(pending!.blobKey), 'the upload has a blob');
      const response = await alice.request(location, {
        method: 'DELETE',
        headers: { ...(await tusHeaders(alice)), 'tus-resumable': '1.0.0' },
      });
      assert.equal(response.status, 204);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await t.app.database.db.select().from(uploads).where(eq(uploads.id, id));
      assert.equal(rows.length, 0);
      assert.ok(!(await storedBlobs(t)).includes(pending!.blobKey));
    });

    it('refuses a PATCH body longer than the declared length and keeps nothing past it', async () => {
      const created = await createUpload(alice, {
        'upload-length': '4',
        'upload-metadata': `filename ${Buffer.from('four.txt').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const response = await alice.request(location, {
        method: 'PATCH',
        headers: {
          ...(await tusHeaders(alice)),
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        body: Buffer.from('way more than four bytes'),
      });
      assert.equal(response.status, 413);
      const listing = await (await alice.get('/files')).text();
      assert.equal(fileIdFromListing(listing, 'four.txt'), undefined, 'no file appears');
    });

    it('lists a finished upload once, under its name, with a tus-js-client upload', async () => {
      const data = randomFile(1000);
      await uploadWithTus(alice, data, { name: 'رسالة letter.pdf' });
      const listing = await (await alice.get('/files')).text();
      assert.ok(fileIdFromListing(listing, 'رسالة letter.pdf'));
      const bobListing = await (await bob.get('/files')).text();
      assert.equal(
        fileIdFromListing(bobListing, 'رسالة letter.pdf'),
        undefined,
        'bob does not see it',
      );
    });
  });
}
