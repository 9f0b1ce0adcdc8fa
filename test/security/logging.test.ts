/**
 * Abuse: logs are read by more people and kept longer than the database, so a log that
 * holds passwords, session cookies, CSRF tokens, emails, file names or full addresses
 * leaks them; and a crafted value with a newline can forge a line that misleads whoever
 * investigates. Each request must leave one JSON line with its id; addresses truncated,
 * people named by user id only, secrets absent; security events recorded with category,
 * outcome and UTC time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { users } from '../../src/accounts/tables.js';
import { uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createUpload, fileIdFromListing, tusHeaders, uploadWithTus } from '../helpers/uploads.js';
import { LogCapture, ProxiedClient } from './support.js';

const FORGED = '\n{"level":30,"msg":"forged","forged":true}\r\n';
const UUID = /^[0-9a-f-]{36}$/;

for (const target of databaseTargets()) {
  describe(`logs on ${target.name}`, () => {
    let t: TestApp;
    const logs = new LogCapture();
    const secrets: string[] = [];
    const email = uniqueEmail('logged');
    const fileName = 'secret-plans-xyz.pdf';
    let alice: ProxiedClient;
    let userId = '';

    before(async () => {
      t = await startTestApp(
        target,
        { LOG_LEVEL: 'info', AUTH_RATE_LIMIT_PER_MINUTE: '5' },
        {
          logStream: logs,
          beforeListen: (server) => {
            server.get('/test/forged', async () => {
              throw new Error(`crafted${FORGED}`);
            });
            server.get('/test/query', async () =>
              server.db.execute(sql`SELECT * FROM no_such_table WHERE email = ${email}`),
            );
          },
        },
      );

      alice = new ProxiedClient(t.url, '203.0.113.77');
      await alice.register(email, 'hunter2 is my password');
      secrets.push(email, 'hunter2 is my password', fileName);
      secrets.push(Buffer.from(fileName).toString('base64'));
      secrets.push(alice.cookies.get('KhaznatiSession')!);
      const [row] = await t.app.database.db.select().from(users).where(sql`email = ${email}`);
      userId = row!.id;

      await new ProxiedClient(t.url, '203.0.113.78').signIn('ghost@example.dz', 'a wrong guess 42');
      secrets.push('ghost@example.dz', 'a wrong guess 42');

      await uploadWithTus(alice, Buffer.from('plans'), { name: fileName });
      const id = fileIdFromListing(await (await alice.get('/files')).text(), fileName)!;
      await (await alice.get(`/files/${id}/download`)).arrayBuffer();
      const token = await alice.csrfToken('/files');
      secrets.push(token, alice.cookies.get('KhaznatiCsrf')!);
      await alice.postForm('/signout', { _csrf: `${token}x` });

      const bob = new ProxiedClient(t.url);
      await bob.register(uniqueEmail('bob'));
      await bob.get(`/files/${id}/download`);
      const upload = await createUpload(alice, {
        'upload-length': '5',
        'upload-metadata': `filename ${Buffer.from(fileName).toString('base64')}`,
      });
      await bob.request(upload.headers.get('location')!, {
        method: 'HEAD',
        headers: { ...(await tusHeaders(bob)), 'tus-resumable': '1.0.0' },
      });

      const ipv6 = '2001:db8:abcd:1234::5';
      for (let i = 0; i < 6; i++) await new ProxiedClient(t.url, ipv6).signIn(uniqueEmail(), 'p');
      await alice.get('/test/forged');
      await alice.get('/test/query');
      await alice.get('/one/request/one/line?secret=in-the-query');
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    after(() => t.close());

    it('writes JSON lines only, each with a UTC time', () => {
      for (const line of logs.lines()) {
        assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    });

    it('writes one line per request, with its id, also for hijacked tus requests', () => {
      const requests = logs.lines().filter((line) => line.msg === 'request');
      const ids = requests.map((line) => line.reqId);
      assert.equal(new Set(ids).size, ids.length, 'one line per request id');
      const probe = requests.filter((line) => line.path === '/one/request/one/line');
      assert.equal(probe.length, 1);
      assert.match(String(probe[0]!.reqId), UUID);
      assert.equal(probe[0]!.status, 404);
      assert.ok(
        requests.some(
          (line) => line.method === 'PATCH' && line.path?.toString().startsWith('/uploads/'),
        ),
      );
      assert.ok(
        requests.some((line) => line.userId === userId),
        'people appear by user id',
      );
    });

    it('truncates every address: IPv4 to /24, IPv6 to /48', () => {
      const text = logs.text();
      assert.ok(!text.includes('203.0.113.77') && !text.includes('203.0.113.78'));
      assert.ok(!text.includes('2001:db8:abcd:1234'));
      const ips = new Set(
        logs
          .lines()
          .map((line) => line.ip)
          .filter(Boolean),
      );
      assert.ok(ips.has('203.0.113.0'));
      assert.ok(ips.has('2001:db8:abcd::'));
    });

    it('never holds passwords, cookies, tokens, CSRF values, emails, file names or query strings', () => {
      const text = logs.text();
      for (const secret of [...secrets, 'in-the-query']) {
        assert.ok(!text.includes(secret), `the log holds ${JSON.stringify(secret.slice(0, 12))}`);
      }
      assert.doesNotMatch(text, /@example\.dz/);
    });

    it('escapes control characters, so a crafted value cannot forge a line', () => {
      assert.ok(logs.lines().every((line) => line.forged !== true));
      assert.ok(logs.text().includes('\\n{\\"level\\":30'), 'the newline is written escaped');
    });

    it('records security events with category, outcome and user id', () => {
      const events = logs.lines().filter((line) => line.category === 'security');
      const find = (event: string, outcome: string) =>
        events.filter((line) => line.event === event && line.outcome === outcome);
      const signIn = find('sign_in', 'success');
      assert.ok(signIn.some((line) => line.userId === userId));
      assert.equal(find('sign_in', 'failure').length >= 1, true);
      assert.ok(find('rate_limited', 'refused').length >= 1);
      assert.ok(find('csrf_refused', 'refused').length >= 1);
      assert.equal(find('foreign_id', 'refused').length, 2, 'the file and the upload');
      for (const line of events) {
        assert.match(String(line.reqId), UUID);
        assert.ok(line.time);
      }
    });

    it('logs an unexpected error in full, at error level, under the id the person was shown', async () => {
      const response = await alice.get('/test/forged', { accept: 'application/json' });
      const { error } = (await response.json()) as { error: { requestId: string } };
      await new Promise((resolve) => setTimeout(resolve, 50));
      const line = logs.lines().find((entry) => entry.reqId === error.requestId && entry.err);
      assert.equal(line?.level, 50);
      assert.match(String((line?.err as { stack?: string } | undefined)?.stack), /crafted/);
    });
  });
}
