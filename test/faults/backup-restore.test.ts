/**
 * `khaznati backup` then `khaznati restore` into a fresh install (an empty DATA_DIR and an
 * empty database), with the real CLI and the real server: two people, nested folders,
 * files of every shape (empty, one segment, several 64 KiB segments) and things in the
 * trash. After the restore the server starts on the new install and everyone signs in
 * with their own password and finds everything exactly as it was. Bad input is refused
 * with a message a person can act on and changes nothing: a backup into a folder in use,
 * a restore over live data, a backup with a part missing or damaged.
 */
import assert from 'node:assert/strict';
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST } from '../../src/maintenance/backup-format.js';
import { generateMasterKeyEntry } from '../../src/storage/encryption/index.js';
import { blobFiles } from '../helpers/blob-files.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { trackFolder, untrackFolder } from '../helpers/cleanup-on-exit.js';
import { databaseTargets } from '../helpers/databases.js';
import { createFolder, listing, listingPath } from '../helpers/files.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { fileIdFromListing, randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';

const KiB = 1024;
const NO_STACK = /\n\s+at [^\n]+:\d+:\d+/;

/** What one person has, as their pages show it: names and SHA-256 by folder, the trash. */
interface Holdings {
  email: string;
  /** Folder path ('' for the top) to file name to SHA-256. */
  files: Map<string, Map<string, string>>;
  folders: Map<string, string>;
  trashed: string[];
  usage?: string;
}

const usage = (html: string) => html.match(/<meter[^>]*value="(\d+)"/)?.[1];

async function upload(client: Client, person: Holdings, path: string, name: string, size: number) {
  const data = randomFile(size);
  await uploadWithTus(client, data, { name, folder: person.folders.get(path) });
  const inFolder = person.files.get(path) ?? new Map<string, string>();
  inFolder.set(name, sha256(data));
  person.files.set(path, inFolder);
}

/** Every folder's listing is exact and every file downloads byte-identical. */
async function assertHoldings(client: Client, person: Holdings, context: string) {
  for (const [path, expected] of person.files) {
    const html = await listing(client, listingPath(person.folders.get(path)));
    const names = [...html.matchAll(/href="\/files\/[0-9a-f-]{36}\/download"[^>]*><bdi>([^<]*)</g)]
      .map((match) => match[1])
      .sort();
    assert.deepEqual(names, [...expected.keys()].sort(), `${context}: /${path} is listed exactly`);
    for (const [name, hash] of expected) {
      const id = fileIdFromListing(html, name);
      const response = await client.get(`/files/${id}/download`);
      assert.equal(response.status, 200, `${context}: ${name} downloads`);
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(sha256(body), hash, `${context}: ${name} is byte-identical`);
    }
  }
  const trash = await listing(client, '/trash');
  for (const name of person.trashed) {
    assert.match(trash, new RegExp(`<bdi>${name}</bdi>`), `${context}: ${name} is in the trash`);
  }
  assert.equal(usage(await listing(client)), person.usage, `${context}: the same space is used`);
}

for (const target of databaseTargets()) {
  describe(`khaznati backup and restore on ${target.name}`, () => {
    // The secrets a backup does not hold, kept apart from it and given to the new install.
    const env = { KHAZNATI_MASTER_KEYS: generateMasterKeyEntry() };
    let source: ServerProcess;
    let restored: ServerProcess | undefined;
    let spare: ServerProcess | undefined;
    let workspace: string;
    let backup: string;
    const people: Holdings[] = [];

    before(async () => {
      workspace = await mkdtemp(join(tmpdir(), 'khaznati-backup-'));
      trackFolder(workspace);
      backup = join(workspace, 'backup');
      source = await launchServer(target, { env });
      await source.start();

      const amina = new Client(source.url);
      const karim = new Client(source.url);
      const a: Holdings = {
        email: uniqueEmail('amina'),
        files: new Map(),
        folders: new Map(),
        trashed: [],
      };
      const k: Holdings = {
        email: uniqueEmail('karim'),
        files: new Map(),
        folders: new Map(),
        trashed: [],
      };
      people.push(a, k);
      assert.equal((await amina.register(a.email)).status, 303);
      assert.equal((await karim.register(k.email)).status, 303);

      a.folders.set('Photos', await createFolder(amina, 'Photos'));
      a.folders.set('Photos/2024', await createFolder(amina, '2024', a.folders.get('Photos')));
      await upload(amina, a, '', 'empty.txt', 0);
      await upload(amina, a, '', 'notes.txt', 1000);
      await upload(amina, a, '', 'video.mp4', 4 * 64 * KiB + 3);
      await upload(amina, a, 'Photos', 'cover.jpg', 64 * KiB);
      await upload(amina, a, 'Photos/2024', 'beach.jpg', 2 * 64 * KiB + 17);
      await upload(amina, a, '', 'old-draft.doc', 5000);
      const draft = fileIdFromListing(await listing(amina), 'old-draft.doc');
      assert.equal((await amina.submit('/files', `/files/${draft}/delete`, {})).status, 303);
      a.files.get('')!.delete('old-draft.doc');
      a.trashed.push('old-draft.doc');
      await upload(karim, k, '', 'thesis.pdf', 3 * 64 * KiB + 1);
      await upload(karim, k, '', 'empty-too.txt', 0);

      for (const [person, client] of [
        [a, amina],
        [k, karim],
      ] as const) {
        person.usage = usage(await listing(client));
        await assertHoldings(client, person, 'before the backup');
      }
      // Only one process may open an embedded database.
      if (target.name === 'pglite') await source.stop('SIGTERM');
    });
    after(async () => {
      await source?.close();
      await restored?.close();
      await spare?.close();
      await rm(workspace, { recursive: true, force: true });
      untrackFolder(workspace);
    });

    it('refuses to back up into a folder that is not empty, and writes nothing there', async () => {
      const used = join(workspace, 'used');
      await mkdir(used);
      await writeFile(join(used, 'holiday.txt'), 'mine');
      const { code, stdout } = await source.cli(['backup', used]);
      assert.notEqual(code, 0, stdout);
      assert.match(stdout, /is not empty; back up into a new folder/);
      assert.doesNotMatch(stdout, NO_STACK);
      assert.deepEqual(await readdir(used), ['holiday.txt']);
    });

    it('writes a backup of every table and blob, with the reminder about the keys', async () => {
      const { code, stdout } = await source.cli(['backup', backup]);
      assert.equal(code, 0, stdout);
      assert.match(stdout, /Backup written to /);
      assert.match(stdout, /users: 2 row\(s\)/);
      assert.match(stdout, /files: 8 row\(s\)/);
      assert.match(stdout, /folders: 2 row\(s\)/);
      assert.match(stdout, /blobs: 8 \(/);
      assert.match(stdout, /SECURITY_PASSWORD_SALT/);
      assert.match(stdout, /KHAZNATI_MASTER_KEYS/);
      const manifest = JSON.parse(await readFile(join(backup, MANIFEST), 'utf8'));
      assert.equal(manifest.source, target.name);
      assert.equal(manifest.blobs.count, (await blobFiles(source.dataDir)).size);
    });

    it('restores into a fresh install: everyone signs in and finds everything as it was', async () => {
      restored = await launchServer(target, { env });
      const { code, stdout } = await restored.cli(['restore', backup]);
      assert.equal(code, 0, stdout);
      assert.match(stdout, /Restored the backup of /);

      await restored.start();
      for (const person of people) {
        const client: Client = new Client(restored.url);
        assert.equal((await client.signIn(person.email)).status, 303, `${person.email} signs in`);
        await assertHoldings(client, person, 'after the restore');
      }
      // The restored install keeps working: a new upload lands next to the old files.
      const client: Client = new Client(restored.url);
      await client.signIn(people[0]!.email);
      await upload(client, people[0]!, 'Photos', 'after.png', 70 * KiB);
      people[0]!.usage = usage(await listing(client));
      await assertHoldings(client, people[0]!, 'after a new upload');
    });

    it('refuses to restore over an install that is not empty, and changes nothing', async () => {
      assert.ok(restored);
      const blobsBefore = [...(await blobFiles(restored.dataDir)).keys()].sort();
      if (target.name === 'pglite') await restored.stop('SIGTERM');
      const { code, stdout } = await restored.cli(['restore', backup]);
      assert.notEqual(code, 0, stdout);
      assert.match(stdout, /The database is not empty/);
      assert.doesNotMatch(stdout, NO_STACK);

      assert.deepEqual([...(await blobFiles(restored.dataDir)).keys()].sort(), blobsBefore);
      if (!restored.running) await restored.start();
      for (const person of people) {
        const client: Client = new Client(restored.url);
        assert.equal((await client.signIn(person.email)).status, 303);
        await assertHoldings(client, person, 'after the refused restore');
      }
    });

    it('refuses a backup with a missing or damaged part, leaving the install empty', async () => {
      spare = await launchServer(target, { env });
      const damages: Array<{
        what: string;
        damage: (copy: string) => Promise<void>;
        says: RegExp;
      }> = [
        {
          what: 'a blob removed',
          damage: async (copy) => rm((await backupBlobs(copy))[0]!),
          says: /The backup is damaged: it holds 7 blob\(s\)/,
        },
        {
          what: 'a blob removed, and the manifest edited to match',
          damage: async (copy) => {
            const [blob] = await backupBlobs(copy);
            const path = join(copy, MANIFEST);
            const manifest = JSON.parse(await readFile(path, 'utf8'));
            manifest.blobs.count -= 1;
            manifest.blobs.bytes -= (await stat(blob!)).size;
            await writeFile(path, JSON.stringify(manifest));
            await rm(blob!);
          },
          says: /The backup is damaged: the bytes of file [0-9a-f-]{36} \(blob [0-9a-f]{32}\) bytes missing/,
        },
        {
          what: 'a blob cut short',
          damage: async (copy) => truncate((await backupBlobs(copy))[0]!, 100),
          says: /The backup is damaged: it holds 8 blob\(s\) of \d+ bytes, its manifest lists 8/,
        },
        {
          what: 'a row of the files table lost',
          damage: async (copy) => {
            const path = join(copy, 'tables', 'files.jsonl');
            const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
            await writeFile(path, `${lines.slice(1).join('\n')}\n`);
          },
          says: /The backup is damaged: table files holds 7 row\(s\), its manifest lists 8/,
        },
        {
          what: 'a row of the users table garbled',
          damage: async (copy) => {
            const path = join(copy, 'tables', 'users.jsonl');
            await writeFile(path, (await readFile(path, 'utf8')).replace('{', '{{'));
          },
          says: /The backup is damaged: table users \(/,
        },
        {
          what: 'a table file missing',
          damage: (copy) => rm(join(copy, 'tables', 'folders.jsonl')),
          says: /The backup is missing tables\/folders\.jsonl/,
        },
        {
          what: 'the manifest missing (an unfinished backup)',
          damage: (copy) => rm(join(copy, MANIFEST)),
          says: /has no khaznati-backup\.json: it is not a Khaznati backup, or one that did not finish/,
        },
        {
          what: 'the manifest damaged',
          damage: async (copy) => {
            const path = join(copy, MANIFEST);
            await writeFile(path, (await readFile(path, 'utf8')).slice(0, 40));
          },
          says: /khaznati-backup\.json in .* is damaged; use another backup/,
        },
      ];
      for (const [index, { what, damage, says }] of damages.entries()) {
        const copy = join(workspace, `damaged-${index}`);
        await cp(backup, copy, { recursive: true });
        await damage(copy);
        const { code, stdout } = await spare.cli(['restore', copy]);
        assert.notEqual(code, 0, `${what}: refused\n${stdout}`);
        assert.match(stdout, says, `${what}: says why`);
        assert.doesNotMatch(stdout, NO_STACK, `${what}: a message, not a stack trace`);
        assert.equal((await blobFiles(spare.dataDir)).size, 0, `${what}: no blob was left`);
      }

      // Nothing was left behind: the same install takes the whole backup afterwards.
      const { code, stdout } = await spare.cli(['restore', backup]);
      assert.equal(code, 0, stdout);
      await spare.start();
      const client = new Client(spare.url);
      assert.equal((await client.signIn(people[1]!.email)).status, 303);
      await assertHoldings(client, people[1]!, 'after the refused restores');
    });
  });
}

async function backupBlobs(directory: string): Promise<string[]> {
  const root = join(directory, 'blobs');
  const paths: string[] = [];
  for (const prefix of (await readdir(root)).sort()) {
    for (const key of (await readdir(join(root, prefix))).sort())
      paths.push(join(root, prefix, key));
  }
  return paths;
}
