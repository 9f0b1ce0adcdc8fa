/**
 * The database goes away while people use the vault: first its connections are killed
 * again and again with pg_terminate_backend (only those of this test's own database), then
 * it is cut off entirely for a few seconds, as during a restart. Every request in the gap
 * must answer 503 with a message saying so (never 500), and the service must come back by
 * itself: no restart, and every acknowledged upload intact afterwards. Postgres only (an
 * embedded PGlite has no connection to lose).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { launchServer, type ServerProcess } from '../helpers/server-process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { resumeWithTus } from '../helpers/tus-fault-client.js';
import { sha256 } from '../helpers/uploads.js';
import { assertVaultIntact } from '../helpers/vault-check.js';
import { type Answer, browseAndUpload, type Person } from './traffic.js';

const postgres = databaseTargets().find((target) => target.name === 'postgres');
const OUTAGE_MESSAGE = /cannot reach its database/;

describe('database outages (Postgres)', {
  skip: !postgres && 'TEST_DATABASE_URL is not set',
}, () => {
  let server: ServerProcess;
  let proxy: TcpProxy;
  let admin: pg.Client;
  let databaseName: string;
  const people: Person[] = [];
  const answers: Answer[] = [];

  before(async () => {
    const adminUrl = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpProxy(adminUrl.hostname, Number(adminUrl.port || 5432));
    server = await launchServer(postgres!, {
      rewriteDatabaseUrl(url) {
        const viaProxy = new URL(url);
        viaProxy.hostname = '127.0.0.1';
        viaProxy.port = String(proxy.port);
        return viaProxy.toString();
      },
    });
    databaseName = new URL(server.databaseUrl!).pathname.slice(1);
    admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await server.start();
    for (let i = 0; i < 3; i++) {
      const client = new Client(server.url);
      assert.equal((await client.register(uniqueEmail('outage'))).status, 303);
      people.push({ client, expected: new Map(), unfinished: [] });
    }
  });
  after(async () => {
    await admin?.end();
    await server?.close();
    await proxy?.close();
  });

  async function underTraffic(seconds: number, fault: () => Promise<void>) {
    const deadline = Date.now() + seconds * 1000;
    const stop = () => Date.now() > deadline;
    const traffic = people.map((person) =>
      browseAndUpload(person, stop, (answer) => answers.push(answer)),
    );
    await fault();
    await Promise.all(traffic);
  }

  function assertOnlyClearRefusals() {
    for (const answer of answers) {
      assert.notEqual(answer.status, 'network error', `${answer.what}: the server stays up`);
      if (typeof answer.status === 'number' && answer.status >= 500) {
        assert.equal(answer.status, 503, `${answer.what}: ${answer.status} ${answer.body}`);
        assert.match(answer.body, OUTAGE_MESSAGE, `${answer.what}: the message says why`);
      }
    }
  }

  /** Service is back without a restart, and every acknowledged upload is intact. */
  async function assertRecovered(context: string) {
    let status = 0;
    for (let tries = 0; tries < 100 && status !== 200; tries++) {
      status = (await people[0]!.client.get('/files')).status;
      if (status !== 200) await delay(100);
    }
    assert.equal(status, 200, `${context}: the files page answers again`);
    for (const person of people) {
      const interrupted = new Set(person.unfinished.map((upload) => upload.name));
      await assertVaultIntact(person.client, person.expected, context, interrupted);
    }
  }

  it('answers 503 while its connections are killed, and recovers by itself', async () => {
    let terminated = 0;
    await underTraffic(6, async () => {
      for (let round = 0; round < 8; round++) {
        await delay(600);
        const result = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [databaseName],
        );
        terminated += result.rowCount ?? 0;
      }
    });
    console.log(`# ${terminated} connections terminated; ${answers.length} answers`);
    assert.ok(terminated > 0, 'connections were terminated');
    assertOnlyClearRefusals();
    await assertRecovered('after the connections were killed');
  });

  it('answers 503 while the database is unreachable, and recovers by itself', async () => {
    answers.length = 0;
    await underTraffic(7, async () => {
      await delay(1500);
      await proxy.goDown();
      await delay(3000);
      await proxy.comeBack();
    });
    const refusals = answers.filter((answer) => answer.status === 503).length;
    console.log(`# ${refusals} of ${answers.length} answers were 503 during the cut`);
    assert.ok(refusals > 0, 'the gap was noticed');
    assertOnlyClearRefusals();
    await assertRecovered('after the database came back');
  });

  it('completes the uploads the outages interrupted', async () => {
    for (const person of people) {
      for (const upload of person.unfinished.splice(0)) {
        await resumeWithTus(person.client, upload.data, {
          uploadUrl: upload.url,
          name: upload.name,
        });
        person.expected.set(upload.name, sha256(upload.data));
      }
      await assertVaultIntact(person.client, person.expected, 'after resuming');
    }
  });
});
