import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { rotateKeys, verifyFiles } from '../../src/files/key-commands.js';
import { files } from '../../src/files/tables.js';
import { projectRoot } from '../../src/paths.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { generateMasterKeyEntry, HEADER_SIZE } from '../../src/storage/encryption/index.js';
import { storedKeyId } from '../../src/storage/key-maintenance.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import {
  createUpload,
  fileIdFromListing,
  randomFile,
  sha256,
  tusHeaders,
  uploadWithTus,
} from '../helpers/uploads.js';
import { collect } from '../storage/encryption/helpers.js';

const K1 = generateMasterKeyEntry('k1');
const K2 = generateMasterKeyEntry('k2');
const K3 = generateMasterKeyEntry('k3');

function cli(t: TestApp, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, ...t.env },
    encoding: 'utf8',
  });
}

for (const target of databaseTargets()) {
  describe(`khaznati keys rotate and verify on ${target.name}`, () => {
    let t: TestApp;
    let owner: Client;
    const contents = new Map<string, Buffer>();
    const lines: string[] = [];
    const say = (line: string) => lines.push(line);

    before(async () => {
      t = await startTestApp(target, { KHAZNATI_MASTER_KEYS: K1 });
      owner = new Client(t.url);
      await owner.register(uniqueEmail('keys'));
    });
    after(() => t.close());

    async function upload(name: string, size: number) {
      const data = randomFile(size);
      await uploadWithTus(owner, data, { name });
      contents.set(name, data);
    }

    async function fileRow(name: string) {
      const [row] = await t.app.database.db.select().from(files).where(eq(files.name, name));
      return row!;
    }

    function parts(blobs: BlobStore = t.app.blobs, signal?: AbortSignal) {
      return { db: t.app.database.db, blobs, ring: t.config.masterKeys, say, signal };
    }

    it('re-wraps files and uploads made before a rotation; later files are already current', async () => {
      await upload('before-1.bin', 200_000);
      await upload('before-2.bin', 1);
      const created = await createUpload(owner, {
        'upload-length': '150000',
        'upload-metadata': `filename ${Buffer.from('pending.bin').toString('base64')}`,
      });
      const location = created.headers.get('location')!;
      const pending = randomFile(150_000);
      contents.set('pending.bin', pending);
      const headers = { ...(await tusHeaders(owner)), 'tus-resumable': '1.0.0' };
      const patched = await owner.request(location, {
        method: 'PATCH',
        headers: {
          ...headers,
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        body: new Uint8Array(pending.subarray(0, 70_000)),
      });
      assert.equal(patched.status, 204);

      await t.restart({ KHAZNATI_MASTER_KEYS: `${K2},${K1}` });
      await upload('after.bin', 100_000);

      const result = await rotateKeys(parts());
      assert.deepEqual(
        { rewrapped: result.rewrapped, current: result.current, failed: result.failed },
        { rewrapped: 3, current: 1, failed: [] },
      );
      assert.match(lines.join('\n'), /Done: 3 re-wrapped, 1 already under k2/);
      for (const name of ['before-1.bin', 'before-2.bin', 'after.bin']) {
        assert.equal(await storedKeyId(t.app.blobs, (await fileRow(name)).blobKey), 'k2');
      }

      // k1 is retired: everything must open with k2 alone, the paused upload included.
      await t.restart({ KHAZNATI_MASTER_KEYS: K2 });
      const resumed = await owner.request(location, {
        method: 'PATCH',
        headers: {
          ...headers,
          'upload-offset': '70000',
          'content-type': 'application/offset+octet-stream',
        },
        body: new Uint8Array(pending.subarray(70_000)),
      });
      assert.equal(resumed.status, 204);
      for (const [name, data] of contents) {
        const id = fileIdFromListing(await (await owner.get('/files')).text(), name)!;
        const body = Buffer.from(await (await owner.get(`/files/${id}/download`)).arrayBuffer());
        assert.equal(sha256(body), sha256(data), name);
      }

      const verified = await verifyFiles(parts());
      assert.equal(verified.damaged.length, 0);
      assert.deepEqual([...verified.keyIds], [['k2', 4]]);
    });

    it('continues an interrupted rotation where it stopped', async () => {
      await t.restart({ KHAZNATI_MASTER_KEYS: `${K3},${K2}` });
      const stop = new AbortController();
      const stopping = Object.create(t.app.blobs) as BlobStore;
      stopping.writeAt = async (key, offset, bytes) => {
        await t.app.blobs.writeAt(key, offset, bytes);
        stop.abort();
      };
      const first = await rotateKeys(parts(stopping, stop.signal));
      assert.equal(first.interrupted, true);
      assert.equal(first.rewrapped, 1);

      const second = await rotateKeys(parts());
      assert.equal(second.rewrapped, 3);
      assert.equal(second.current, 1);
      const third = await rotateKeys(parts());
      assert.equal(third.rewrapped, 0, 'nothing left to do');
    });

    it('lists a damaged file with its id, remembers it, and clears it once repaired', async () => {
      const row = await fileRow('before-1.bin');
      const at = HEADER_SIZE + 100;
      const [byte] = await collect(await t.app.blobs.get(row.blobKey, { start: at, end: at }));
      await t.app.blobs.writeAt(row.blobKey, at, Buffer.from([byte! ^ 0xff]));

      const found = await verifyFiles(parts());
      assert.deepEqual(
        found.damaged.map((problem) => problem.id),
        [row.id],
      );
      assert.match(lines.join('\n'), new RegExp(`file ${row.id}: Segment 0 failed authentication`));
      assert.ok((await fileRow('before-1.bin')).damagedAt);

      await t.app.blobs.writeAt(row.blobKey, at, Buffer.from([byte!]));
      assert.equal((await verifyFiles(parts())).damaged.length, 0);
      assert.equal((await fileRow('before-1.bin')).damagedAt, null);
    });

    it('runs from the command line: generate, verify (exit 1 on damage), rotate', async () => {
      const generated = cli(t, 'keys', 'generate');
      assert.equal(generated.status, 0);
      assert.match(generated.stdout, /^k\d{8}-[0-9a-f]{4}:[A-Za-z0-9+/]{43}=\n$/);

      const row = await fileRow('after.bin');
      const [byte] = await collect(await t.app.blobs.get(row.blobKey, { start: 300, end: 300 }));
      await t.app.blobs.writeAt(row.blobKey, 300, Buffer.from([byte! ^ 0xff]));
      // The embedded database admits one process at a time.
      await t.stop();

      const verify = cli(t, 'keys', 'verify');
      assert.equal(verify.status, 1, verify.stderr);
      assert.match(verify.stdout, new RegExp(`file ${row.id}: `));
      assert.match(verify.stdout, /Master keys in use: k3 \(3\)/);

      const rotate = cli(t, 'keys', 'rotate');
      assert.equal(rotate.status, 0, rotate.stderr);
      assert.match(rotate.stdout, /Done: 0 re-wrapped, 4 already under k3/);
      assert.doesNotMatch(
        verify.stdout + rotate.stdout,
        new RegExp(K3.split(':')[1]!.slice(0, 20)),
      );
      await t.restart();
    });
  });
}
