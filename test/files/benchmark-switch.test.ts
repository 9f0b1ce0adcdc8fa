import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { files } from '../../src/files/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';
import { collect } from '../storage/encryption/helpers.js';

const [pglite] = databaseTargets();

describe('the benchmark switch (createApp option, never a setting)', () => {
  let t: TestApp;
  let client: Client;

  before(async () => {
    t = await startTestApp(pglite!, {}, { app: { benchmarkWithoutEncryption: true } });
    client = new Client(t.url);
    await client.register(uniqueEmail('bench'));
  });
  after(() => t.close());

  it('runs the same upload and download path, storing the plaintext as it is', async () => {
    const data = randomFile(300_001);
    await uploadWithTus(client, data, { name: 'plain.bin', chunkSize: 100_000 });
    const [row] = await t.app.database.db.select().from(files).where(eq(files.name, 'plain.bin'));
    assert.equal(row?.sha256, sha256(data));
    assert.ok((await collect(await t.app.blobs.get(row!.blobKey))).equals(data));

    const response = await client.get(`/files/${row!.id}/download`, { range: 'bytes=1000-' });
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(data.subarray(1000)));
  });
});
