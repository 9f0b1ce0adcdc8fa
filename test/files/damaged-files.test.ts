/**
 * Someone with write access to the disk or the bucket (or a failing disk) changes a stored
 * file. Whatever they change, the owner must never receive other bytes as if they were the
 * file: the download breaks off, the event is logged, and from then on the file is reported
 * as damaged. A missing master key is a configuration fault, not damage: it gets its own
 * clear answer and leaves the file alone.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { files } from '../../src/files/tables.js';
import { generateMasterKeyEntry, HEADER_SIZE } from '../../src/storage/encryption/index.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import {
  createUpload,
  fileIdFromListing,
  randomFile,
  tusHeaders,
  uploadWithTus,
} from '../helpers/uploads.js';
import { collect } from '../storage/encryption/helpers.js';

const KiB = 1024;

for (const target of databaseTargets()) {
  describe(`damaged files on ${target.name}`, () => {
    let t: TestApp;
    let owner: Client;
    const lines: Array<Record<string, unknown>> = [];
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });

    before(async () => {
      t = await startTestApp(target, { LOG_LEVEL: 'info' }, { logStream });
      owner = new Client(t.url);
      await owner.register(uniqueEmail('damaged'));
    });
    after(() => t.close());

    async function stored(data: Buffer, name: string) {
      await uploadWithTus(owner, data, { name });
      const id = fileIdFromListing(await (await owner.get('/files')).text(), name)!;
      const [row] = await t.app.database.db.select().from(files).where(eq(files.id, id));
      return row!;
    }

    async function flipByte(blobKey: string, offset: number) {
      const [byte] = await collect(await t.app.blobs.get(blobKey, { start: offset, end: offset }));
      await t.app.blobs.writeAt(blobKey, offset, Buffer.from([byte! ^ 0x01]));
    }

    async function damagedAnswer(id: string) {
      const response = await owner.get(`/files/${id}/download`, { accept: 'application/json' });
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('content-disposition'), null, 'not an attachment');
      const body = await response.json();
      assert.equal(body.error.code, 'file_damaged');
      assert.match(body.error.message, /This file is damaged/);
    }

    it('breaks off a download at a flipped byte, logs it, then reports the file damaged', async () => {
      const file = await stored(randomFile(1024 * KiB), 'flipped.bin');
      await flipByte(file.blobKey, HEADER_SIZE + 10 * (64 * KiB + 28) + 500);

      const response = await owner.get(`/files/${file.id}/download`);
      assert.equal(response.status, 200, 'the first segments were good');
      await assert.rejects(response.arrayBuffer(), 'the body never ends cleanly');

      await new Promise((resolve) => setTimeout(resolve, 100));
      const logged = lines.find((line) => line.fileId === file.id);
      assert.equal(logged?.category, 'storage');
      assert.equal(logged?.segment, 10);
      const [row] = await t.app.database.db.select().from(files).where(eq(files.id, file.id));
      assert.ok(row?.damagedAt, 'the damage is remembered');

      await damagedAnswer(file.id);
      const ranged = await owner.get(`/files/${file.id}/download`, { range: 'bytes=0-9' });
      assert.equal(ranged.status, 500, 'even a range of good segments is refused');
      const page = await (await owner.get(`/files/${file.id}/download`)).text();
      assert.match(page, /This file is damaged/);
    });

    it('answers a file damaged in its first segment with an error page, not an attachment', async () => {
      const file = await stored(randomFile(100 * KiB), 'first-segment.bin');
      await flipByte(file.blobKey, HEADER_SIZE + 40);
      await damagedAnswer(file.id);
    });

    it("detects two files' blobs swapped with each other", async () => {
      const a = await stored(randomFile(70 * KiB), 'swap-a.bin');
      const b = await stored(randomFile(70 * KiB), 'swap-b.bin');
      const bytesA = await collect(await t.app.blobs.get(a.blobKey));
      const bytesB = await collect(await t.app.blobs.get(b.blobKey));
      await t.app.blobs.writeAt(a.blobKey, 0, bytesB);
      await t.app.blobs.writeAt(b.blobKey, 0, bytesA);
      await damagedAnswer(a.id);
      await damagedAnswer(b.id);
    });

    it('detects a blob cut short or extended', async () => {
      const cut = await stored(randomFile(200 * KiB), 'cut.bin');
      const size = (await t.app.blobs.stat(cut.blobKey))!.size;
      await t.app.blobs.truncate(cut.blobKey, size - 1);
      await damagedAnswer(cut.id);
    });

    it('answers 503 when the master key is missing, without calling the file damaged', async () => {
      const file = await stored(randomFile(10 * KiB), 'keyless.bin');
      const created = await createUpload(owner, {
        'upload-length': '100',
        'upload-metadata': `filename ${Buffer.from('pending.bin').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const original = t.env.KHAZNATI_MASTER_KEYS!;

      await t.restart({ KHAZNATI_MASTER_KEYS: generateMasterKeyEntry('unrelated') });
      const download = await owner.get(`/files/${file.id}/download`, {
        accept: 'application/json',
      });
      assert.equal(download.status, 503);
      assert.equal((await download.json()).error.code, 'storage_key_missing');
      const head = await owner.request(location, {
        method: 'HEAD',
        headers: { ...(await tusHeaders(owner)), 'tus-resumable': '1.0.0' },
      });
      assert.equal(head.status, 503);
      assert.equal((await owner.get('/files')).status, 200, 'the server carries on');
      const [row] = await t.app.database.db.select().from(files).where(eq(files.id, file.id));
      assert.equal(row?.damagedAt, null);

      await t.restart({ KHAZNATI_MASTER_KEYS: `${generateMasterKeyEntry('newer')},${original}` });
      assert.equal((await owner.get(`/files/${file.id}/download`)).status, 200);
    });
  });
}
