/**
 * The promise on the landing page: no plaintext of a user's file ever touches the disk,
 * not even for an upload still in progress. Files carrying a marker string are uploaded
 * (finished, paused mid-segment, cut off by a vanished client), then every file under
 * DATA_DIR, the database's included, is searched for the marker.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SEGMENT_SIZE } from '../../src/storage/encryption/index.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createUpload, fileIdFromListing, tusHeaders, uploadWithTus } from '../helpers/uploads.js';

const S = SEGMENT_SIZE;

/** Every path under `directory`, recursively. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function filesHolding(directory: string, needle: Buffer): Promise<string[]> {
  const found: string[] = [];
  for (const path of await filesUnder(directory)) {
    const bytes = await readFile(path).catch(() => Buffer.alloc(0));
    if (bytes.includes(needle)) found.push(path);
  }
  return found;
}

for (const target of databaseTargets()) {
  describe(`no plaintext on disk, on ${target.name}`, () => {
    const marker = Buffer.from(`KHAZNATI-MARKER-${randomBytes(16).toString('hex')}`);
    let t: TestApp;
    let client: Client;

    /** Random bytes with the marker at the start, across segment edges and at the end. */
    function marked(size: number): Buffer {
      const data = randomBytes(size);
      for (const at of [0, S - 10, 2 * S - 20, size - marker.length]) {
        if (at >= 0 && at + marker.length <= size) marker.copy(data, at);
      }
      return data;
    }

    before(async () => {
      t = await startTestApp(target);
      client = new Client(t.url);
      await client.register(uniqueEmail('scan'));
    });
    after(() => t.close());

    it('finds the marker when it is there (the scan works)', async () => {
      const control = join(t.dataDir, 'control');
      await writeFile(control, Buffer.concat([randomBytes(100), marker]));
      assert.deepEqual(await filesHolding(t.dataDir, marker), [control]);
      await rm(control);
    });

    it('finds no plaintext after uploads finished, paused and cut off', async () => {
      const text = Buffer.from(`${marker.toString()}\n`.repeat(5000));
      await uploadWithTus(client, text, { name: 'notes.txt', chunkSize: 50_001 });
      await uploadWithTus(client, marked(3 * S + 500), { name: 'photo.jpg' });

      const paused = marked(3 * S);
      const created = await createUpload(client, {
        'upload-length': String(paused.length),
        'upload-metadata': `filename ${Buffer.from('paused.bin').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const headers = {
        ...(await tusHeaders(client)),
        'tus-resumable': '1.0.0',
        'content-type': 'application/offset+octet-stream',
      };
      // Ends right after the marker that straddles the second segment edge.
      const pauseAt = 2 * S - 20 + marker.length;
      const patched = await client.request(location, {
        method: 'PATCH',
        headers: { ...headers, 'upload-offset': '0' },
        body: new Uint8Array(paused.subarray(0, pauseAt)),
      });
      assert.equal(patched.status, 204);
      assert.equal(patched.headers.get('upload-offset'), String(pauseAt), 'the tail is stored');

      const vanished = marked(2 * S);
      const second = await createUpload(client, {
        'upload-length': String(vanished.length),
        'upload-metadata': `filename ${Buffer.from('cut.bin').toString('base64')}`,
      });
      await new Promise<void>((resolve) => {
        const req = httpRequest(new URL(second.headers.get('location')!, t.url), {
          method: 'PATCH',
          headers: { ...headers, 'upload-offset': '0', 'content-length': String(vanished.length) },
        });
        req.on('error', () => resolve());
        req.write(vanished.subarray(0, S + 100));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 300);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));

      const id = fileIdFromListing(await (await client.get('/files')).text(), 'notes.txt')!;
      const download = Buffer.from(await (await client.get(`/files/${id}/download`)).arrayBuffer());
      assert.ok(download.equals(text), 'the files are really there, readable by their owner');

      const scanned = await filesUnder(t.dataDir);
      assert.ok(
        scanned.some((path) => path.includes('blobs')),
        'the blobs were scanned',
      );
      if (target.name === 'pglite') {
        const database = join(t.dataDir, 'db');
        assert.ok(
          scanned.some((path) => path.startsWith(database)),
          'and the database',
        );
      }
      assert.deepEqual(await filesHolding(t.dataDir, marker), []);
      assert.deepEqual(await filesHolding(t.dataDir, marker.subarray(16)), [], 'not even a part');
    });
  });
}
