/**
 * Uploads whose client went away half-way: a chunk is acknowledged, then nothing more. The
 * upload holds its whole declared length against the quota while it may still resume;
 * once it expires (UPLOAD_EXPIRY_HOURS, here a few seconds) its bytes must leave the disk
 * and its space must come back to the person, both by the scheduled cleanup of the running
 * server and by `khaznati cleanup`, which says what it removed. Files already finished are
 * never touched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { blobFiles } from '../helpers/blob-files.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { listing } from '../helpers/files.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { headUpload, sendPatch } from '../helpers/tus-fault-client.js';
import { createUpload, randomFile, sha256, tusHeaders, uploadWithTus } from '../helpers/uploads.js';
import { assertVaultIntact } from '../helpers/vault-check.js';

const MiB = 1024 * 1024;
// 18 s; the running server then cleans up every 4.5 s.
const EXPIRY_HOURS = '0.005';
const EXPIRY_MS = 18_000;

/** The bytes used, as the storage meter on the files page shows them. */
async function usedBytes(client: Client): Promise<number> {
  const value = (await listing(client)).match(/<meter[^>]*value="(\d+)"/)?.[1];
  assert.ok(value, 'the files page shows the storage meter');
  return Number(value);
}

for (const target of databaseTargets()) {
  describe(`abandoned uploads on ${target.name}`, () => {
    let server: ServerProcess;
    let client: Client;
    const expected = new Map<string, string>();
    let finishedBytes = 0;

    /** Starts an upload of `size` bytes, sends its first MiB, and goes away. */
    async function abandon(name: string, size: number) {
      const blobsBefore = new Set((await blobFiles(server.dataDir)).keys());
      const created = await createUpload(client, {
        'upload-length': String(size),
        'upload-metadata': `filename ${Buffer.from(name).toString('base64')}`,
      });
      assert.equal(created.status, 201);
      const location = created.headers.get('location')!;
      const headers = await tusHeaders(client);
      const chunk = randomFile(MiB);
      const answer = await sendPatch(client, headers, location, 0, chunk).response;
      assert.equal(answer?.status, 204, 'the first chunk is acknowledged');

      const added = [...(await blobFiles(server.dataDir))].filter(([key]) => !blobsBefore.has(key));
      assert.equal(added.length, 1, 'the upload has its bytes on disk');
      return { location, blob: added[0]![1] };
    }

    async function blobExists(path: string): Promise<boolean> {
      return [...(await blobFiles(server.dataDir)).values()].includes(path);
    }

    before(async () => {
      server = await launchServer(target, { env: { UPLOAD_EXPIRY_HOURS: EXPIRY_HOURS } });
      await server.start();
      client = new Client(server.url);
      assert.equal((await client.register(uniqueEmail('abandoned'))).status, 303);
      const kept = randomFile(200 * 1024 + 9);
      await uploadWithTus(client, kept, { name: 'kept.pdf' });
      expected.set('kept.pdf', sha256(kept));
      finishedBytes = kept.length;
      assert.equal(await usedBytes(client), finishedBytes);
    });
    after(() => server?.close());

    it('the scheduled cleanup removes an expired upload: bytes gone, space back', async () => {
      const { location, blob } = await abandon('film.mkv', 3 * MiB);
      assert.equal(
        await usedBytes(client),
        finishedBytes + 3 * MiB,
        'the unfinished upload holds its declared length',
      );
      assert.ok(await blobExists(blob));

      // Polled, not timed: the running server's own schedule is what removes it.
      let gone = false;
      for (let tries = 0; tries < 240 && !gone; tries++) {
        await delay(250);
        gone = !(await blobExists(blob));
      }
      assert.ok(gone, 'the abandoned upload’s bytes were removed from the disk');
      assert.equal(await usedBytes(client), finishedBytes, 'its space is back in the quota');
      const head = await headUpload(client, location);
      assert.equal(head.status, 404, 'the upload no longer exists');
      await assertVaultIntact(client, expected, 'after the scheduled cleanup');
    });

    it('khaznati cleanup removes an expired upload and reports what it removed', async () => {
      const { location, blob } = await abandon('archive.zip', 2 * MiB);
      assert.equal(await usedBytes(client), finishedBytes + 2 * MiB);
      // Stopped, so that only the command can remove it (and the embedded database is free).
      await server.stop('SIGTERM');
      await delay(EXPIRY_MS + 500);

      const { code, stdout } = await server.cli(['cleanup']);
      assert.equal(code, 0, stdout);
      assert.match(
        stdout,
        /Removed 1 expired upload\(s\), \d+ expired session\(s\) and 0 file\(s\)/,
      );
      assert.match(stdout, /Removed 0 orphan blob\(s\) \(0\.0 MiB\)/);
      assert.ok(!(await blobExists(blob)), 'the bytes are gone from the disk');

      const again = await server.cli(['cleanup']);
      assert.equal(again.code, 0, again.stdout);
      assert.match(again.stdout, /Removed 0 expired upload\(s\)/, 'nothing is removed twice');

      await server.start();
      assert.equal(await usedBytes(client), finishedBytes, 'the space is back in the quota');
      assert.equal((await headUpload(client, location)).status, 404);
      await assertVaultIntact(client, expected, 'after khaznati cleanup');
    });
  });
}
