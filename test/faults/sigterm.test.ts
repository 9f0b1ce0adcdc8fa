/**
 * A stop (SIGTERM, as systemd and Docker send) must stop taking new connections, let the
 * requests in flight finish within a bounded grace, cut the ones that would not, close the
 * database cleanly and exit 0. The same folder and database then start again with every
 * acknowledged byte in place.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { pgliteState } from '../helpers/pglite-control.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { startTrackedUpload } from '../helpers/tracked-uploads.js';
import { headUpload, resumeWithTus, sendPatch } from '../helpers/tus-fault-client.js';
import {
  createNamedUpload,
  randomFile,
  sha256,
  tusHeaders,
  uploadWithTus,
} from '../helpers/uploads.js';
import { assertVaultIntact } from '../helpers/vault-check.js';

const MiB = 1024 * 1024;
const GRACE_SECONDS = 4;

for (const target of databaseTargets()) {
  describe(`SIGTERM on ${target.name}`, () => {
    let server: ServerProcess;
    let client: Client;
    const expected = new Map<string, string>();

    before(async () => {
      server = await launchServer(target, {
        env: { LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) },
      });
      await server.start();
      client = new Client(server.url);
      await client.register(uniqueEmail('term'));
      const kept = randomFile(MiB);
      await uploadWithTus(client, kept, { name: 'kept.bin' });
      expected.set('kept.bin', sha256(kept));
    });
    after(() => server.close());

    it('finishes requests in flight, cuts a stalled one after the grace, closes the database', async () => {
      const headers = await tusHeaders(client);
      const finishing = randomFile(3 * MiB);
      const finishingAt = await createNamedUpload(client, 'finishing.bin', finishing.length);
      const stalled = randomFile(MiB);
      const stalledAt = await createNamedUpload(client, 'stalled.bin', stalled.length);

      const inFlight = sendPatch(
        client,
        headers,
        finishingAt,
        0,
        finishing.subarray(0, 2 * MiB),
        MiB,
      );
      const slow = sendPatch(client, headers, stalledAt, 0, stalled, 1000);
      await Promise.all([inFlight.sent, slow.sent]);
      await delay(200);

      const stopping = server.stop('SIGTERM', (GRACE_SECONDS + 20) * 1000);
      await delay(300);
      const refused = await fetch(`${server.url}/healthz`).then(
        (response) => response.status,
        () => 'refused',
      );
      assert.ok(
        refused === 'refused' || refused === 503,
        `a new request is turned away (${refused})`,
      );

      await inFlight.finish();
      const slowSending = slow.finish(4, 30_000);
      const answer = await inFlight.response;
      assert.equal(answer?.status, 204, 'the request in flight finished');
      assert.equal(answer?.offset, 2 * MiB);

      const exit = await stopping;
      await slowSending;
      assert.equal(exit.code, 0, server.output());
      assert.ok(exit.ms < (GRACE_SECONDS + 5) * 1000, `stopped within the grace (${exit.ms} ms)`);
      assert.match(server.output(), /stopped; database closed/);
      if (target.name === 'pglite') assert.equal(await pgliteState(server.dataDir), 'shut down');

      await server.start();
      const head = await headUpload(client, stalledAt);
      assert.equal(head.status, 200);
      assert.ok(head.offset! >= 1000 && head.offset! <= slow.bytesSent(), 'the stalled bytes kept');
      for (const [name, data, at] of [
        ['finishing.bin', finishing, finishingAt],
        ['stalled.bin', stalled, stalledAt],
      ] as const) {
        const before = (await headUpload(client, at)).offset!;
        const resumed = await resumeWithTus(client, data, { uploadUrl: at, name });
        assert.ok(resumed.lowestOffsetSent >= before, `${name}: no acknowledged byte sent again`);
        expected.set(name, sha256(data));
      }
      await assertVaultIntact(client, expected, 'after SIGTERM and restart');
    });

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`starts again after ${signal} under load, every acknowledged byte in place`, async () => {
        if (!server.running) await server.start();
        const people = [{ client, expected }];
        for (let i = 0; i < 2; i++) {
          const person = new Client(server.url);
          await person.register(uniqueEmail(`load-${signal}`));
          people.push({ client: person, expected: new Map() });
        }
        const uploads = await Promise.all(
          Array.from({ length: 12 }, async (_, i) => {
            const person = people[i % people.length]!;
            const data = randomFile(MiB + i * 4099);
            const upload = await startTrackedUpload(person.client, data, `${signal}-${i}.bin`);
            return { person, upload };
          }),
        );
        await delay(400);

        const exit = await server.stop(signal, (GRACE_SECONDS + 20) * 1000);
        if (signal === 'SIGTERM') assert.equal(exit.code, 0, server.output());
        await Promise.all(uploads.map(({ upload }) => upload.finished));
        if (target.name === 'pglite') {
          const state = await pgliteState(server.dataDir);
          assert.equal(state, signal === 'SIGTERM' ? 'shut down' : 'in production');
        }

        await server.start();
        for (const { person, upload } of uploads) {
          if (!(await upload.finished)) {
            const resumed = await resumeWithTus(person.client, upload.data, {
              uploadUrl: upload.url,
              name: upload.name,
            });
            assert.ok(resumed.lowestOffsetSent >= upload.acknowledged, `${upload.name}: resumed`);
          }
          person.expected.set(upload.name, sha256(upload.data));
        }
        for (const person of people) {
          await assertVaultIntact(person.client, person.expected, `after ${signal} under load`);
        }
      });
    }
  });
}
