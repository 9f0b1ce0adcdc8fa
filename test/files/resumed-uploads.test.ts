import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { Upload } from 'tus-js-client';
import { files, uploads } from '../../src/files/tables.js';
import { SEGMENT_SIZE } from '../../src/storage/encryption/index.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createUpload, randomFile, sha256, tusHeaders } from '../helpers/uploads.js';

const S = SEGMENT_SIZE;

for (const target of databaseTargets()) {
  describe(`resumed uploads on ${target.name}`, () => {
    let t: TestApp;
    let client: Client;

    before(async () => {
      t = await startTestApp(target);
      client = new Client(t.url);
      await client.register(uniqueEmail('resume'));
    });
    after(() => t.close());

    async function create(length: number, name: string): Promise<string> {
      const created = await createUpload(client, {
        'upload-length': String(length),
        'upload-metadata': `filename ${Buffer.from(name).toString('base64')}`,
      });
      assert.equal(created.status, 201);
      return created.headers.get('location')!;
    }

    async function patch(
      location: string,
      offset: number,
      bytes: Buffer | Uint8Array | ReadableStream,
    ) {
      const body = bytes instanceof ReadableStream ? bytes : new Uint8Array(bytes);
      return client.request(location, {
        method: 'PATCH',
        headers: {
          ...(await tusHeaders(client)),
          'tus-resumable': '1.0.0',
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body,
        duplex: 'half',
      } as RequestInit);
    }

    async function offsetOf(location: string): Promise<number> {
      const head = await client.request(location, {
        method: 'HEAD',
        headers: { 'tus-resumable': '1.0.0' },
      });
      assert.equal(head.status, 200);
      return Number(head.headers.get('upload-offset'));
    }

    /** Sends the rest with the real tus-js-client, as a page after a reload would. */
    function finishWithTus(location: string, data: Buffer): Promise<void> {
      return tusHeaders(client).then(
        (headers) =>
          new Promise((resolve, reject) => {
            const upload = new Upload(data, {
              endpoint: `${t.url}/uploads`,
              uploadUrl: new URL(location, t.url).toString(),
              chunkSize: 300_001,
              retryDelays: [],
              headers,
              onError: reject,
              onSuccess: () => resolve(),
            });
            upload.start();
          }),
      );
    }

    async function downloaded(name: string): Promise<Buffer> {
      const [row] = await t.app.database.db.select().from(files).where(eq(files.name, name));
      assert.ok(row, `${name} became a file`);
      const response = await client.get(`/files/${row.id}/download`);
      return Buffer.from(await response.arrayBuffer());
    }

    it('reports what a PATCH ending mid-segment stored, and continues from there', async () => {
      const data = randomFile(3 * S + 77);
      const location = await create(data.length, 'mid-segment.bin');
      const first = await patch(location, 0, data.subarray(0, S + 1234));
      assert.equal(first.status, 204);
      assert.equal(first.headers.get('upload-offset'), String(S + 1234));
      assert.equal(await offsetOf(location), S + 1234);

      const again = await patch(location, 0, data.subarray(0, 10));
      assert.equal(again.status, 409, 'a stale offset changes nothing');
      const empty = await patch(location, S + 1234, new Uint8Array(0));
      assert.equal(empty.status, 204);
      assert.equal(await offsetOf(location), S + 1234, 'an empty PATCH loses nothing');

      const second = await patch(location, S + 1234, data.subarray(S + 1234, 2 * S + 5));
      assert.equal(second.headers.get('upload-offset'), String(2 * S + 5));
      await finishWithTus(location, data);
      assert.equal(sha256(await downloaded('mid-segment.bin')), sha256(data));
    });

    it('keeps at most what arrived when the client vanished mid-request, and resumes from it', async () => {
      const data = randomFile(4 * S + 999);
      const location = await create(data.length, 'vanished.bin');
      const sent = 2 * S + 5000;
      const headers = await tusHeaders(client);
      await new Promise<void>((resolve) => {
        const req = httpRequest(new URL(location, t.url), {
          method: 'PATCH',
          headers: {
            ...headers,
            'tus-resumable': '1.0.0',
            'upload-offset': '0',
            'content-type': 'application/offset+octet-stream',
            'content-length': String(data.length),
          },
        });
        req.on('error', () => resolve());
        req.write(data.subarray(0, sent));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 1000);
      });

      await new Promise((resolve) => setTimeout(resolve, 200));
      const kept = await offsetOf(location);
      // Normally all of it, when tus ends the body cleanly on the abort and the tail is
      // sealed as a provisional segment, or the two full segments, when the body errors
      // first; on a loaded machine, whatever had arrived. Never more than was sent.
      assert.ok(kept <= sent, `kept ${kept} of ${sent} bytes`);
      await finishWithTus(location, data);
      assert.equal(sha256(await downloaded('vanished.bin')), sha256(data));
    });

    it('continues in a new server process, which has no checkpoint and re-reads the blob', async () => {
      const data = randomFile(5 * S + 4321);
      const location = await create(data.length, 'new-instance.bin');
      const cut = 2 * S + 3000;
      assert.equal((await patch(location, 0, data.subarray(0, cut))).status, 204);

      await t.restart();
      assert.equal(await offsetOf(location), cut);
      await finishWithTus(location, data);
      assert.equal(sha256(await downloaded('new-instance.bin')), sha256(data));
      const [row] = await t.app.database.db
        .select()
        .from(files)
        .where(eq(files.name, 'new-instance.bin'));
      assert.equal(row?.sha256, sha256(data));
    });

    it('refuses a streamed body that runs past the declared length (413) and completes nothing', async () => {
      const data = randomFile(S + 100);
      const location = await create(data.length, 'too-long.bin');
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(data);
          controller.enqueue(randomFile(5000));
          controller.close();
        },
      });
      const response = await patch(location, 0, body);
      assert.equal(response.status, 413);
      assert.ok((await offsetOf(location)) < data.length, 'the upload is not complete');
      const id = location.split('/').pop()!;
      const [pending] = await t.app.database.db.select().from(uploads).where(eq(uploads.id, id));
      assert.ok(pending, 'still an upload, not a file');
      assert.equal(pending.sha256, null);
    });

    it('answers HEAD on a finished upload with offset = length, as tus clients expect', async () => {
      const data = randomFile(1000);
      const location = await create(data.length, 'finished.bin');
      assert.equal((await patch(location, 0, data)).status, 204);
      assert.equal(await offsetOf(location), data.length);
      const retried = await patch(location, data.length, new Uint8Array(0));
      assert.equal(retried.status, 204, 'a retried last PATCH finds the file made');
      const rows = await t.app.database.db
        .select()
        .from(files)
        .where(eq(files.name, 'finished.bin'));
      assert.equal(rows.length, 1, 'made once');
    });

    it('removes an upload left past its expiry, with its blob', async () => {
      const location = await create(S * 2, 'abandoned.bin');
      assert.equal((await patch(location, 0, randomFile(1000))).status, 204);
      const id = location.split('/').pop()!;
      const [row] = await t.app.database.db.select().from(uploads).where(eq(uploads.id, id));
      await t.app.database.db
        .update(uploads)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(uploads.id, id));

      assert.equal((await t.app.cleanUp()).uploads, 1);
      assert.equal(await t.app.blobs.stat(row!.blobKey), null, 'the blob is gone');
      const head = await client.request(location, {
        method: 'HEAD',
        headers: { 'tus-resumable': '1.0.0' },
      });
      assert.equal(head.status, 404);
    });
  });
}
