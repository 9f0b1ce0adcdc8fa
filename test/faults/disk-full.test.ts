/**
 * The disk fills while a large upload is written: DATA_DIR is a real 24 MiB file system
 * (tmpfs) and the upload is 40 MiB. The upload must stop with 507 and a message saying so,
 * nothing of it may be listed, other people must still sign in and read their files, and
 * once the abandoned upload expires the scheduled cleanup gives the space back, so new
 * uploads fit again. Where no file system can be mounted (an unprivileged container), the
 * closest real stand-in is used: a file size limit on the server (EFBIG instead of ENOSPC).
 */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Upload } from 'tus-js-client';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { mountSmallFilesystem, type SmallFilesystem } from '../helpers/small-filesystem.js';
import { headUpload } from '../helpers/tus-fault-client.js';
import { randomFile, sha256, tusHeaders, uploadWithTus } from '../helpers/uploads.js';
import { assertVaultIntact } from '../helpers/vault-check.js';

const MiB = 1024 * 1024;

/** Bytes of files and uploads under DATA_DIR (the embedded database aside). */
async function storedBytes(folder: string, skip = join(folder, 'db')): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (path === skip) continue;
    if (entry.isDirectory()) total += await storedBytes(path, skip);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

for (const target of databaseTargets()) {
  describe(`a full disk on ${target.name}`, () => {
    let disk: SmallFilesystem | null;
    let server: ServerProcess;
    let alice: Client;
    let bob: Client;
    const bobs = new Map<string, string>();

    before(async () => {
      disk = await mountSmallFilesystem(24, target.name === 'pglite' ? 256 : undefined);
      if (!disk) console.log('# no tmpfs here: a 20 MiB file size limit stands in (EFBIG)');
      server = await launchServer(target, {
        dataDir: disk?.path,
        fileSizeLimitKiB: disk ? undefined : 20 * 1024,
        // Abandoned uploads expire after 18 s; the cleanup runs every 4.5 s.
        env: { UPLOAD_EXPIRY_HOURS: '0.005' },
      });
      await server.start();
      alice = new Client(server.url);
      bob = new Client(server.url);
      await alice.register(uniqueEmail('alice'));
      const bobEmail = uniqueEmail('bob');
      await bob.register(bobEmail);
      const photo = randomFile(MiB);
      await uploadWithTus(bob, photo, { name: 'photo.jpg' });
      bobs.set('photo.jpg', sha256(photo));
      bob.cookies.set('email', bobEmail);
    });
    after(async () => {
      await server?.close();
      await disk?.release();
    });

    it('refuses the upload with 507, shows nothing of it, and serves everyone else', async () => {
      const big = randomFile(40 * MiB);
      const headers = await tusHeaders(alice);
      let url: string | undefined;
      const failure = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const upload = new Upload(big, {
          endpoint: `${server.url}/uploads`,
          chunkSize: 8 * MiB,
          retryDelays: [],
          metadata: { filename: 'too-big.zip' },
          headers,
          onUploadUrlAvailable: () => {
            url = upload.url ?? undefined;
          },
          onError(error) {
            const response = (
              error as { originalResponse?: { getStatus(): number; getBody(): string } }
            ).originalResponse;
            resolve({ status: response?.getStatus() ?? 0, body: response?.getBody() ?? '' });
          },
          onSuccess: () => reject(new Error('40 MiB cannot fit in 24 MiB')),
        });
        upload.start();
      });
      assert.equal(failure.status, 507, `${failure.body}\n${server.output()}`);
      assert.match(failure.body, /no room left/);

      await assertVaultIntact(alice, new Map(), 'alice, disk full');
      await assertVaultIntact(bob, bobs, 'bob, disk full');
      const again = new Client(server.url);
      assert.equal((await again.signIn(bob.cookies.get('email')!)).status, 303, 'bob signs in');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

      // Given back: the abandoned upload expires and the scheduled cleanup removes it.
      let left = await storedBytes(server.dataDir);
      for (let tries = 0; tries < 120 && left > 2 * MiB; tries++) {
        await delay(500);
        left = await storedBytes(server.dataDir);
      }
      assert.ok(left < 2 * MiB, `the abandoned upload's bytes were removed (${left} left)`);
      assert.notEqual((await headUpload(alice, url!)).status, 200, 'the upload is gone');

      const after = randomFile(10 * MiB);
      await uploadWithTus(bob, after, { name: 'after.bin', chunkSize: 4 * MiB });
      bobs.set('after.bin', sha256(after));
      await assertVaultIntact(bob, bobs, 'bob, space given back');
      const small = randomFile(2 * MiB);
      await uploadWithTus(alice, small, { name: 'small.bin' });
      await assertVaultIntact(alice, new Map([['small.bin', sha256(small)]]), 'alice, afterwards');
    });
  });
}
