/**
 * `khaznati fsck` against a vault whose storage was damaged behind the server's back: bytes
 * no row refers to, a file whose blob was deleted, truncated or had one byte flipped. The
 * real CLI runs with the server's own settings; with the embedded database the server is
 * stopped first, as only one process may open it. Every check ends by putting the bytes
 * back, so each case starts from a clean vault, and `--repair` must never touch the bytes
 * of a listed file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  copyFile,
  mkdir,
  readFile,
  rename,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { blobFiles } from '../helpers/blob-files.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';
import { assertVaultIntact, listedFiles } from '../helpers/vault-check.js';

const KiB = 1024;
const DAY_MS = 24 * 3600_000;

for (const target of databaseTargets()) {
  describe(`khaznati fsck on ${target.name}`, () => {
    let server: ServerProcess;
    let client: Client;
    const expected = new Map<string, string>();
    /** The blob file of each listed file, by name. */
    const blobOf = new Map<string, string>();
    const idOf = new Map<string, string>();

    /** `khaznati fsck …` with the server stopped when the database is embedded. */
    async function fsck(...args: string[]) {
      if (target.name === 'pglite' && server.running) await server.stop('SIGTERM');
      const result = await server.cli(['fsck', ...args]);
      assert.notEqual(result.code, null, `fsck ended by itself:\n${result.stdout}`);
      return result;
    }

    async function assertIntact(context: string) {
      if (!server.running) await server.start();
      await assertVaultIntact(client, expected, context);
    }

    before(async () => {
      server = await launchServer(target);
      await server.start();
      client = new Client(server.url);
      assert.equal((await client.register(uniqueEmail('fsck'))).status, 303);
      // Several 64 KiB segments each, so that damage can sit in the middle of a file.
      for (const [name, size] of [
        ['letter.pdf', 3 * 64 * KiB + 5],
        ['photo.jpg', 5 * 64 * KiB + 1],
      ] as const) {
        const blobsBefore = new Set((await blobFiles(server.dataDir)).keys());
        const data = randomFile(size);
        await uploadWithTus(client, data, { name });
        expected.set(name, sha256(data));
        const added = [...(await blobFiles(server.dataDir))].filter(([k]) => !blobsBefore.has(k));
        assert.equal(added.length, 1, `${name} is stored as one blob`);
        blobOf.set(name, added[0]![1]);
      }
      for (const file of await listedFiles(client)) idOf.set(file.name, file.id);
    });
    after(() => server?.close());

    it('reports no problem on a clean vault, with exit code 0, even with --deep', async () => {
      for (const args of [[], ['--deep']]) {
        const { code, stdout } = await fsck(...args);
        assert.equal(code, 0, stdout);
        assert.match(stdout, /Checked 2 file\(s\) and upload\(s\)/);
        assert.match(stdout, /Missing or damaged bytes: 0/);
        assert.match(stdout, /Orphan blobs \(no row refers to them\): 0,/);
      }
      await assertIntact('clean vault');
    });

    it('reports an old orphan blob (exit 1) and removes it with --repair, not a recent one', async () => {
      const root = join(server.dataDir, 'blobs');
      const old = randomBytes(16).toString('hex');
      const recent = randomBytes(16).toString('hex');
      for (const key of [old, recent]) {
        await mkdir(join(root, key.slice(0, 2)), { recursive: true });
        await writeFile(join(root, key.slice(0, 2), key), randomBytes(10 * KiB));
      }
      // Older than the grace (UPLOAD_EXPIRY_HOURS, 24 h by default): nobody can own it.
      const longAgo = new Date(Date.now() - 2 * DAY_MS);
      await utimes(join(root, old.slice(0, 2), old), longAgo, longAgo);
      const listedBlobs = [...blobOf.values()];
      const sizesBefore = await Promise.all(
        listedBlobs.map(async (path) => (await stat(path)).size),
      );

      const found = await fsck();
      assert.equal(found.code, 1, found.stdout);
      assert.match(found.stdout, /Orphan blobs \(no row refers to them\): 2,/);
      assert.match(found.stdout, new RegExp(`blob ${old}: 10240 bytes, \\d+ min old\\n`));
      assert.match(found.stdout, new RegExp(`blob ${recent}: 10240 bytes, 0 min old, recent`));
      assert.match(found.stdout, /Missing or damaged bytes: 0/);

      const repaired = await fsck('--repair');
      assert.equal(repaired.code, 0, repaired.stdout);
      assert.match(repaired.stdout, /Removed 1 orphan blob\(s\) \(0\.0 MiB\); kept 1 too recent/);
      const left = await blobFiles(server.dataDir);
      assert.ok(!left.has(old), 'the old orphan is gone');
      assert.ok(left.has(recent), 'the recent orphan is kept: an upload may still own it');
      const sizesAfter = await Promise.all(
        listedBlobs.map(async (path) => (await stat(path)).size),
      );
      assert.deepEqual(sizesAfter, sizesBefore, 'the bytes of every listed file are untouched');

      // Once it is old too, the next repair removes it; the listed files still stay.
      await utimes(left.get(recent)!, longAgo, longAgo);
      const second = await fsck('--repair');
      assert.equal(second.code, 0, second.stdout);
      assert.match(second.stdout, /Removed 1 orphan blob\(s\)/);
      assert.deepEqual([...(await blobFiles(server.dataDir)).values()].sort(), listedBlobs.sort());
      await assertIntact('after the repair');
    });

    it('flags a file whose blob was deleted (exit 1), and --repair leaves its row', async () => {
      const path = blobOf.get('letter.pdf')!;
      const aside = `${server.dataDir}/letter.aside`;
      await rename(path, aside);
      try {
        for (const args of [[], ['--deep'], ['--repair']]) {
          const { code, stdout } = await fsck(...args);
          assert.equal(code, 1, `fsck ${args.join(' ')}: ${stdout}`);
          assert.match(stdout, /Missing or damaged bytes: 1/);
          assert.match(stdout, new RegExp(`file ${idOf.get('letter.pdf')}: `));
          assert.match(stdout, /bytes missing|blob is missing/i);
        }
      } finally {
        await rename(aside, path);
      }
      const { code, stdout } = await fsck();
      assert.equal(code, 0, `the row was kept, and is whole again: ${stdout}`);
      await assertIntact('blob put back');
    });

    it('flags a truncated blob, with and without --deep', async () => {
      const path = blobOf.get('photo.jpg')!;
      const aside = `${server.dataDir}/photo.aside`;
      await copyFile(path, aside);
      try {
        await truncate(path, (await stat(path)).size - 1000);
        const quick = await fsck();
        assert.equal(quick.code, 1, quick.stdout);
        assert.match(quick.stdout, new RegExp(`file ${idOf.get('photo.jpg')}: holds \\d+ bytes`));

        const deep = await fsck('--deep');
        assert.equal(deep.code, 1, deep.stdout);
        assert.match(deep.stdout, /Missing or damaged bytes: 1/);
        assert.match(deep.stdout, new RegExp(`file ${idOf.get('photo.jpg')}: `));
      } finally {
        await rename(aside, path);
      }
      assert.equal((await fsck('--deep')).code, 0, 'whole again');
      await assertIntact('truncated blob put back');
    });

    it('flags a blob with one byte flipped only with --deep: its segment fails authentication', async () => {
      const path = blobOf.get('photo.jpg')!;
      const original = await readFile(path);
      const flipped = Buffer.from(original);
      const at = Math.floor(original.length / 2);
      flipped[at] = flipped[at]! ^ 0x01;
      await writeFile(path, flipped);
      try {
        const quick = await fsck();
        assert.equal(
          quick.code,
          0,
          `the size still matches, the cheap check passes: ${quick.stdout}`,
        );

        const deep = await fsck('--deep');
        assert.equal(deep.code, 1, deep.stdout);
        assert.match(deep.stdout, /Missing or damaged bytes: 1/);
        const line = deep.stdout.split('\n').find((l) => l.includes(idOf.get('photo.jpg')!));
        assert.ok(line, deep.stdout);
        assert.match(line, /Segment \d+ failed authentication/);
        assert.doesNotMatch(deep.stdout, new RegExp(`file ${idOf.get('letter.pdf')}`));

        const repair = await fsck('--deep', '--repair');
        assert.equal(repair.code, 1, 'a damaged file is never repaired away');
        assert.deepEqual(await readFile(path), flipped, 'its bytes are left for a person to see');
      } finally {
        await writeFile(path, original);
      }
      assert.equal((await fsck('--deep')).code, 0, 'whole again');
      await assertIntact('flipped byte put back');
    });
  });
}
