import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { S3BlobStore } from '../../src/storage/s3-store.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { type S3Emulator, startS3Emulator } from '../helpers/s3-emulator.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { fileIdFromListing, randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';

const [pglite] = databaseTargets();

describe('the app on an S3 bucket (emulator: s3rver on 127.0.0.1)', () => {
  let emulator: S3Emulator;
  let t: TestApp;
  let owner: Client;

  before(async () => {
    emulator = await startS3Emulator();
    t = await startTestApp(pglite!, emulator.env);
    owner = new Client(t.url);
    await owner.register(uniqueEmail('s3'));
  });
  after(async () => {
    await t?.close();
    await emulator?.stop();
  });

  it('keeps a finished upload in the bucket and serves it whole and by range', async () => {
    const data = randomFile(6 * 1024 * 1024 + 17);
    await uploadWithTus(owner, data, { name: 'scan.pdf', chunkSize: 2 * 1024 * 1024 });
    const id = fileIdFromListing(await (await owner.get('/files')).text(), 'scan.pdf');
    assert.ok(id);

    const whole = await owner.get(`/files/${id}/download`);
    assert.equal(sha256(Buffer.from(await whole.arrayBuffer())), sha256(data));
    const part = await owner.get(`/files/${id}/download`, { range: 'bytes=5242870-5242889' });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), data.subarray(5242870, 5242890));

    const store = new S3BlobStore(emulator.settings);
    const keys: string[] = [];
    for await (const key of store.list()) keys.push(key);
    store.close();
    assert.equal(keys.length, 1, 'the bytes are in the bucket');
  });

  it('answers /healthz with 200, then 503 without details once the bucket is gone', async () => {
    const healthy = await fetch(`${t.url}/healthz`);
    assert.equal(healthy.status, 200);
    assert.deepEqual(await healthy.json(), {
      status: 'ok',
      checks: { database: 'ok', storage: 'ok' },
    });

    await emulator.stop();
    const started = Date.now();
    const failing = await fetch(`${t.url}/healthz`);
    assert.equal(failing.status, 503);
    assert.equal(failing.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await failing.json(), {
      status: 'unavailable',
      checks: { database: 'ok', storage: 'failing' },
    });
    assert.ok(Date.now() - started < 5000, 'a dependency that does not answer is not waited for');
  });
});
