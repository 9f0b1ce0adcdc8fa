import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { files } from '../../src/files/tables.js';
import { ciphertextSize, HEADER_SIZE, SEGMENT_SIZE } from '../../src/storage/encryption/index.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';

const S = SEGMENT_SIZE;
const MiB = 1024 * 1024;

for (const target of databaseTargets()) {
  describe(`encrypted uploads and downloads on ${target.name}`, () => {
    let t: TestApp;
    let client: Client;

    before(async () => {
      t = await startTestApp(target);
      client = new Client(t.url);
      await client.register(uniqueEmail('round'));
    });
    after(() => t.close());

    async function upload(data: Buffer, name: string, chunkSize?: number) {
      await uploadWithTus(client, data, { name, chunkSize });
      const id = fileIdFromListing(await (await client.get('/files')).text(), name);
      assert.ok(id, `${name} is listed`);
      const [row] = await t.app.database.db.select().from(files).where(eq(files.id, id));
      return row!;
    }

    for (const [label, size] of [
      ['empty', 0],
      ['one byte', 1],
      ['one byte short of a segment', S - 1],
      ['exactly one segment', S],
      ['one byte over a segment', S + 1],
      ['several MiB, sent in chunks that end mid-segment', 5 * MiB + 12_345],
    ] as const) {
      it(`round-trips a file that is ${label} (${size} bytes), storing only ciphertext`, async () => {
        const data = randomFile(size);
        const row = await upload(data, `round-${size}.bin`, 1024 * 1024 + 4321);
        assert.equal(row.size, size);
        assert.equal(row.sha256, sha256(data), 'the SHA-256 was computed on the way in');

        const stored = await t.app.blobs.stat(row.blobKey);
        assert.equal(stored?.size, ciphertextSize(size));
        const head = await text(await t.app.blobs.get(row.blobKey, { start: 0, end: 7 }));
        assert.equal(head, 'KHAZENC\0', 'the blob starts with the encrypted header');

        const response = await client.get(`/files/${row.id}/download`);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-length'), String(size));
        const body = Buffer.from(await response.arrayBuffer());
        assert.equal(sha256(body), sha256(data));
      });
    }

    describe('every Range shape, across segment edges', () => {
      const size = 3 * S + 1000;
      const data = randomFile(size);
      let id = '';

      before(async () => {
        id = (await upload(data, 'ranges.bin', 100_000)).id;
      });

      for (const [label, range, start, end] of [
        ['the first byte', 'bytes=0-0', 0, 0],
        ['the last byte of the first segment', `bytes=${S - 1}-${S - 1}`, S - 1, S - 1],
        ['the first byte of the second segment', `bytes=${S}-${S}`, S, S],
        ['two bytes across a segment edge', `bytes=${S - 1}-${S}`, S - 1, S],
        ['a range over three segments', `bytes=100-${2 * S + 100}`, 100, 2 * S + 100],
        ['an open range from the last segment', `bytes=${3 * S}-`, 3 * S, size - 1],
        ['an open range from the start', 'bytes=0-', 0, size - 1],
        ['a suffix of one byte', 'bytes=-1', size - 1, size - 1],
        ['a suffix across a segment edge', 'bytes=-2000', size - 2000, size - 1],
        ['a range clipped at the end', `bytes=${size - 10}-${size + 5000}`, size - 10, size - 1],
        ['the last byte', `bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
      ] as const) {
        it(`sends ${label} (206) decrypted exactly`, async () => {
          const response = await client.get(`/files/${id}/download`, { range });
          assert.equal(response.status, 206);
          assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
          assert.equal(response.headers.get('content-length'), String(end - start + 1));
          const body = Buffer.from(await response.arrayBuffer());
          assert.ok(body.equals(data.subarray(start, end + 1)));
        });
      }

      it('answers a range past the end with 416', async () => {
        const response = await client.get(`/files/${id}/download`, {
          range: `bytes=${size}-`,
          accept: 'application/json',
        });
        assert.equal(response.status, 416);
        assert.equal(response.headers.get('content-range'), `bytes */${size}`);
      });

      it('answers HEAD without reading the blob', async () => {
        const response = await client.request(`/files/${id}/download`, { method: 'HEAD' });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-length'), String(size));
      });

      it('keeps the header and segments where the format puts them', async () => {
        const [row] = await t.app.database.db.select().from(files).where(eq(files.id, id));
        const stored = await t.app.blobs.stat(row!.blobKey);
        assert.equal(stored?.size, HEADER_SIZE + size + 4 * 28);
      });
    });
  });
}
