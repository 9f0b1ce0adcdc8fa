/**
 * The server is killed with SIGKILL at seeded random points of an upload: while the upload
 * is created, in the middle of a chunk, between chunks, in the last chunk and while the last
 * chunk is being turned into a file. After each restart the upload is resumed with
 * tus-js-client from the offset the server reports, and every invariant is checked: the
 * server kept at least every byte it acknowledged, resuming asks for none of them again,
 * nothing unfinished is listed, and every file listed downloads byte-identical.
 * FAULT_SEED=<seed> replays a failing sequence; FAULT_RUNS changes the number of kills.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { faultSeed, seededRandom } from '../helpers/seeded-random.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { headUpload, resumeWithTus } from '../helpers/tus-fault-client.js';
import { randomFile, sha256 } from '../helpers/uploads.js';
import { assertVaultIntact, listedFiles } from '../helpers/vault-check.js';
import { type KillPlan, planKills, uploadUntilKilled } from './kill-plans.js';

const RUNS = Number(process.env.FAULT_RUNS ?? 20);
const seed = faultSeed();

for (const target of databaseTargets()) {
  describe(`SIGKILL during uploads on ${target.name} (seed ${seed})`, () => {
    let server: ServerProcess;
    let client: Client;
    const expected = new Map<string, string>();
    const failed = new Set<string>();
    const totals = { kills: 0, bytesCompared: 0 };

    before(async () => {
      server = await launchServer(target, {
        env: { LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn' },
      });
      await server.start();
      client = new Client(server.url);
      assert.equal((await client.register(uniqueEmail('kill'))).status, 303);
    });
    after(async () => {
      console.log(
        `# ${target.name}: ${totals.kills} kills, ${totals.bytesCompared} bytes compared`,
      );
      await server.close();
    });

    for (const plan of planKills(seededRandom(seed), RUNS)) {
      it(`run ${plan.run}: ${plan.description}`, async () => {
        const context = `seed ${seed}, run ${plan.run} (${plan.description})`;
        try {
          await runOnce(plan, context);
        } catch (error) {
          failed.add(`run-${plan.run}.bin`);
          expected.delete(`run-${plan.run}.bin`);
          console.log(`# server output:\n${server.output()}`);
          throw error;
        }
      });
    }

    async function runOnce(plan: KillPlan, context: string) {
      if (!server.running) await server.start();
      const data = randomFile(plan.size);
      const name = `run-${plan.run}.bin`;

      const progress = await uploadUntilKilled(client, data, name, plan, () =>
        server.stop('SIGKILL'),
      );
      totals.kills++;
      await server.start();

      const listed = (await listedFiles(client)).some((file) => file.name === name);
      if (progress.completed) assert.ok(listed, `${context}: an acknowledged upload is listed`);
      if (listed) {
        assert.equal(progress.sent, data.length, `${context}: listed only once fully sent`);
      }

      let outcome = 'killed before the upload was created';
      if (progress.completed) outcome = 'completed and acknowledged before the kill';
      else if (progress.location) {
        const head = await headUpload(client, progress.location);
        outcome = listed
          ? `a file, though unacknowledged (HEAD answers ${head.status})`
          : head.offset === data.length
            ? 'every byte held, not yet a file'
            : `${head.offset} of ${data.length} bytes held`;
        console.log(`# run ${plan.run}: ${outcome}`);
        if (!listed) {
          assert.equal(head.status, 200, `${context}: the created upload still exists`);
          assert.ok(head.offset! >= progress.acknowledged, `${context}: acknowledged bytes kept`);
          assert.ok(head.offset! <= progress.sent, `${context}: no byte invented`);
        }
      }

      if (!progress.completed) {
        // What the page's script does after a drop: resume from what the server reports.
        const resumed = await resumeWithTus(client, data, { uploadUrl: progress.location, name });
        if (progress.location) {
          assert.ok(
            resumed.lowestOffsetSent >= progress.acknowledged,
            `${context}: resumed from ${resumed.lowestOffsetSent}, acknowledged ${progress.acknowledged}`,
          );
        }
      }

      expected.set(name, sha256(data));
      const check = await assertVaultIntact(client, expected, context, failed);
      totals.bytesCompared += check.bytes;
    }
  });
}
