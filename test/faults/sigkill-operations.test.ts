/**
 * The server is killed with SIGKILL a seeded few milliseconds into a change to the vault:
 * moving a file to the trash, renaming it, moving it into a folder, restoring it, or
 * emptying the trash for good. After the restart the vault is in the state before the
 * change or the state after it, never between: the file is in exactly one place, under
 * exactly one name, and every listed file downloads intact. An answered change holds.
 * Bytes an interrupted purge did not get to remove are orphans, which `khaznati fsck`
 * reports and `--repair` removes, never a listed file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { createFolder, listingPath, submitSelection } from '../helpers/files.js';
import { faultSeed, seededRandom } from '../helpers/seeded-random.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';

const OPERATIONS = ['trash', 'rename', 'move', 'restore', 'purge'] as const;
type Operation = (typeof OPERATIONS)[number];
type Place = 'files' | 'folder' | 'trash' | 'gone';

const RUNS = Number(process.env.FAULT_OPERATION_RUNS ?? 10);
const seed = faultSeed();

interface Seen {
  id: string;
  name: string;
  place: Place;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };
const decodeHtml = (text: string) => text.replace(/&(amp|lt|gt);/g, (e) => ENTITIES[e] ?? e);

/** File rows of a page, one per table row, by the link or button that names the file's id. */
function fileRows(html: string, idPattern: RegExp): { id: string; name: string }[] {
  const rows: { id: string; name: string }[] = [];
  for (const row of html.split('<tr').slice(1)) {
    const id = row.match(idPattern)?.[1];
    const name = row.match(/<bdi>([^<]*)<\/bdi>/)?.[1];
    if (id && name !== undefined) rows.push({ id, name: decodeHtml(name) });
  }
  return rows;
}

/** Where every file of the person is, as the pages show it. */
async function look(client: Client, folderId: string): Promise<Seen[]> {
  const download = /href="\/files\/([0-9a-f-]{36})\/download"/;
  const pages: [Place, string, RegExp][] = [
    ['files', '/files', download],
    ['folder', listingPath(folderId), download],
    ['trash', '/trash', /formaction="\/files\/([0-9a-f-]{36})\/restore"/],
  ];
  const seen: Seen[] = [];
  for (const [place, path, pattern] of pages) {
    const response = await client.get(path);
    assert.equal(response.status, 200, `${path} answers`);
    for (const row of fileRows(await response.text(), pattern)) seen.push({ ...row, place });
  }
  return seen;
}

for (const target of databaseTargets()) {
  describe(`SIGKILL during changes to the vault on ${target.name} (seed ${seed})`, () => {
    let server: ServerProcess;
    let client: Client;
    let folderId: string;
    /** What each file holds, by id; a file's id never changes. */
    const hashes = new Map<string, string>();
    /** Where each file is and under which name, as last confirmed. */
    const state = new Map<string, { name: string; place: Place }>();
    const random = seededRandom(seed);
    const plans = Array.from({ length: RUNS }, (_, run) => ({
      run,
      operation: OPERATIONS[run % OPERATIONS.length] as Operation,
      delayMs: random.int(0, 30),
    }));
    const outcomes = { before: 0, after: 0 };

    before(async () => {
      // Orphans older than about a second are removed by `fsck --repair` at the end.
      server = await launchServer(target, { env: { UPLOAD_EXPIRY_HOURS: '0.0003' } });
      await server.start();
      client = new Client(server.url);
      assert.equal((await client.register(uniqueEmail('change'))).status, 303);
      folderId = await createFolder(client, 'Archive');
      for (const { run } of plans) {
        const data = randomFile(200 * 1024 + run);
        const name = `run-${run}.bin`;
        await uploadWithTus(client, data, { name });
        const id = (await look(client, folderId)).find((file) => file.name === name)?.id;
        assert.ok(id, `${name} is listed after its upload`);
        hashes.set(id, sha256(data));
        state.set(id, { name, place: 'files' });
      }
    });
    after(() => server.close());

    /** Every file is in one place under one name, and every listed one is intact. */
    async function assertConsistent(context: string): Promise<Map<string, Seen>> {
      const seen = await look(client, folderId);
      const byId = new Map<string, Seen>();
      for (const file of seen) {
        assert.ok(!byId.has(file.id), `${context}: ${file.name} is shown in one place only`);
        assert.ok(hashes.has(file.id), `${context}: ${file.name} is a file that was uploaded`);
        byId.set(file.id, file);
      }
      for (const file of seen) {
        if (file.place === 'trash') continue;
        const response = await client.get(`/files/${file.id}/download`);
        assert.equal(response.status, 200, `${context}: ${file.name} downloads`);
        const body = Buffer.from(await response.arrayBuffer());
        assert.equal(sha256(body), hashes.get(file.id), `${context}: ${file.name} is identical`);
      }
      return byId;
    }

    /** Puts the run's file where the operation starts from, without any fault. */
    async function prepare(operation: Operation, id: string) {
      if (operation !== 'restore' && operation !== 'purge') return;
      const token = await client.csrfToken('/files');
      const trashed = await client.postForm(`/files/${id}/delete`, { _csrf: token });
      assert.equal(trashed.status, 303, 'the file goes to the trash before the run');
      state.set(id, { ...state.get(id)!, place: 'trash' });
    }

    function start(operation: Operation, id: string, token: string, newName: string) {
      switch (operation) {
        case 'trash':
          return client.postForm(`/files/${id}/delete`, { _csrf: token });
        case 'rename':
          return client.postForm(`/files/${id}/rename`, { _csrf: token, name: newName });
        case 'move':
          return submitSelection(client, { action: 'move', file: [id], destination: folderId });
        case 'restore':
          return client.postForm(`/files/${id}/restore`, { _csrf: token });
        case 'purge':
          return client.postForm('/trash/empty', { _csrf: token });
      }
    }

    for (const plan of plans) {
      const title = `run ${plan.run}: killed ${plan.delayMs} ms into ${plan.operation}, before or after`;
      it(title, async () => {
        const context = `seed ${seed}, run ${plan.run} (${plan.operation})`;
        if (!server.running) await server.start();
        const id = [...state].find(([, file]) => file.name === `run-${plan.run}.bin`)?.[0];
        assert.ok(id, `${context}: the run's file exists`);
        await prepare(plan.operation, id);
        const old = state.get(id)!;
        const newName = `renamed-${plan.run}.bin`;
        const afterwards: Record<Operation, { name: string; place: Place }> = {
          trash: { name: old.name, place: 'trash' },
          rename: { name: newName, place: old.place },
          move: { name: old.name, place: 'folder' },
          restore: { name: old.name, place: 'files' },
          purge: { name: old.name, place: 'gone' },
        };
        const expectedAfter = afterwards[plan.operation];
        const token = await client.csrfToken(plan.operation === 'purge' ? '/trash' : '/files');

        const changing = start(plan.operation, id, token, newName).catch(() => null);
        await delay(plan.delayMs);
        await server.stop('SIGKILL');
        const answer = await changing;
        await server.start();

        const seen = await assertConsistent(context);
        const now = seen.get(id);
        const found = now
          ? { name: now.name, place: now.place }
          : { name: old.name, place: 'gone' };
        const isBefore = found.name === old.name && found.place === old.place;
        const isAfter = found.name === expectedAfter.name && found.place === expectedAfter.place;
        assert.ok(
          isBefore || isAfter,
          `${context}: ${JSON.stringify(found)} is neither ${JSON.stringify(old)} nor ${JSON.stringify(expectedAfter)}`,
        );
        if (answer?.status === 303) assert.ok(isAfter, `${context}: an answered change holds`);
        outcomes[isAfter ? 'after' : 'before'] += 1;
        console.log(`# run ${plan.run} (${plan.operation}): ${isAfter ? 'after' : 'before'}`);

        // Every other file is where it was; a purge may also have taken the rest of the trash.
        for (const [other, was] of state) {
          if (other === id) continue;
          const is = seen.get(other);
          const where = is ? { name: is.name, place: is.place } : { name: was.name, place: 'gone' };
          const purgedWithIt = plan.operation === 'purge' && isAfter && was.place === 'trash';
          if (purgedWithIt) assert.equal(where.place, 'gone', `${context}: the trash was emptied`);
          else assert.deepEqual(where, was, `${context}: ${was.name} did not change`);
        }
        for (const [other, was] of state) {
          const is = seen.get(other);
          state.set(other, is ? { name: is.name, place: is.place } : { ...was, place: 'gone' });
        }
        for (const [other, file] of state) if (file.place === 'gone') hashes.delete(other);
      });
    }

    it('fsck finds no file without its bytes, and --repair removes what purges left', async () => {
      console.log(`# outcomes: ${outcomes.before} before, ${outcomes.after} after`);
      await server.stop('SIGTERM');
      await delay(1200);
      const check = await server.cli(['fsck', '--repair']);
      assert.match(check.stdout, /Missing or damaged bytes: 0/, check.stdout);
      assert.equal(check.code, 0, check.stdout);
      const again = await server.cli(['fsck']);
      assert.match(again.stdout, /Orphan blobs \(no row refers to them\): 0,/, again.stdout);
      assert.equal(again.code, 0, again.stdout);
      await server.start();
      const seen = await assertConsistent('after fsck --repair');
      for (const [id, file] of state) {
        if (file.place === 'gone') assert.ok(!seen.has(id), `${file.name} stays gone`);
        else assert.deepEqual(seen.get(id)?.place, file.place, `${file.name} is where it was`);
      }
    });
  });
}
