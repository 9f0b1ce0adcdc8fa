/**
 * The server is killed with SIGKILL a seeded few milliseconds into a delete. After the
 * restart the file is either still there and intact (the delete never happened) or gone
 * (it did): never listed with missing bytes. Bytes the delete did not get to remove are
 * orphans, which `khaznati fsck` reports and `--repair` removes, never a listed file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { faultSeed, seededRandom } from '../helpers/seeded-random.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { randomFile, sha256, uploadWithTus } from '../helpers/uploads.js';
import { assertVaultIntact, listedFiles } from '../helpers/vault-check.js';

const RUNS = Number(process.env.FAULT_DELETE_RUNS ?? 6);
const seed = faultSeed();

for (const target of databaseTargets()) {
  describe(`SIGKILL during delete on ${target.name} (seed ${seed})`, () => {
    let server: ServerProcess;
    let client: Client;
    const expected = new Map<string, string>();
    const random = seededRandom(seed);
    const plans = Array.from({ length: RUNS }, (_, run) => ({ run, delayMs: random.int(0, 30) }));

    before(async () => {
      // Orphans older than a second are removed by `fsck --repair` at the end.
      server = await launchServer(target, { env: { UPLOAD_EXPIRY_HOURS: '0.0003' } });
      await server.start();
      client = new Client(server.url);
      assert.equal((await client.register(uniqueEmail('delete'))).status, 303);
      for (const { run } of plans) {
        const data = randomFile(256 * 1024 + run);
        await uploadWithTus(client, data, { name: `keep-or-go-${run}.bin` });
        expected.set(`keep-or-go-${run}.bin`, sha256(data));
      }
    });
    after(() => server.close());

    for (const plan of plans) {
      it(`run ${plan.run}: killed ${plan.delayMs} ms into a delete, the file is there or gone`, async () => {
        const context = `seed ${seed}, run ${plan.run}`;
        if (!server.running) await server.start();
        const name = `keep-or-go-${plan.run}.bin`;
        const id = (await listedFiles(client)).find((file) => file.name === name)?.id;
        assert.ok(id, `${context}: the file is listed before the delete`);
        const token = await client.csrfToken('/files');

        const deleting = client.postForm(`/files/${id}/delete`, { _csrf: token }).catch(() => null);
        await delay(plan.delayMs);
        await server.stop('SIGKILL');
        const answer = await deleting;
        await server.start();

        const still = (await listedFiles(client)).some((file) => file.name === name);
        if (answer?.status === 303) assert.ok(!still, `${context}: an acknowledged delete holds`);
        if (!still) expected.delete(name);
        console.log(`# run ${plan.run}: ${still ? 'before (still there)' : 'after (gone)'}`);
        await assertVaultIntact(client, expected, context);
        if (!still) {
          const gone = await client.get(`/files/${id}/download`);
          assert.equal(gone.status, 404, `${context}: a deleted file answers 404`);
        }
      });
    }

    it('fsck finds no file without its bytes, and --repair removes what deletes left', async () => {
      await server.stop('SIGTERM');
      await delay(1200);
      const check = await server.cli(['fsck', '--repair']);
      assert.match(check.stdout, /Files with missing or damaged bytes: 0/, check.stdout);
      assert.equal(check.code, 0, check.stdout);
      const again = await server.cli(['fsck']);
      assert.match(again.stdout, /Orphan blobs \(no row refers to them\): 0,/, again.stdout);
      await server.start();
      await assertVaultIntact(client, expected, 'after fsck --repair');
    });
  });
}
