/**
 * Abuse: exhausting the server's memory and cores through Argon2, each hash holding 19 MiB
 * and a core: sending megabyte-long passwords, or a burst of sign-ins far beyond what the
 * machine can hash at once. Over-long passwords are refused before any hashing; at most N
 * hashes run at once, a few more wait briefly, and the rest are told to retry (503 with
 * Retry-After) instead of piling up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BusyError, Semaphore } from '../../src/concurrency.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { ProxiedClient } from './support.js';

const [pglite] = databaseTargets();

describe('password hashing limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(pglite!, { PASSWORD_HASH_CONCURRENCY: '1' });
  });
  after(() => t.close());

  it('refuses passwords over 256 characters before hashing, at sign-in and registration', async () => {
    const email = uniqueEmail('long');
    await new Client(t.url).register(email);
    const hashes = t.app.server.passwords.hashesStarted;

    const signIn = await new Client(t.url).signIn(email, 'x'.repeat(257));
    assert.equal(signIn.status, 401);
    const huge = await new Client(t.url).signIn(email, 'x'.repeat(4000));
    assert.equal(huge.status, 401);
    const register = await new Client(t.url).submitRegistration(uniqueEmail(), 'y'.repeat(257));
    assert.equal(register.status, 400);
    assert.match(await register.text(), /at most 256 characters/);

    assert.equal(t.app.server.passwords.hashesStarted, hashes, 'not one hash was computed');
  });

  it('answers a burst beyond what can be hashed with 503 and Retry-After, not a pile-up', async () => {
    const email = uniqueEmail('burst');
    await new Client(t.url).register(email);
    const clients = Array.from({ length: 24 }, () => new ProxiedClient(t.url));
    const tokens = await Promise.all(clients.map((client) => client.csrfToken('/signin')));
    const responses = await Promise.all(
      clients.map((client, i) =>
        client.postForm('/signin', { _csrf: tokens[i]!, email, password: `guess number ${i}` }),
      ),
    );
    const byStatus: Record<string, Response[]> = {};
    for (const response of responses) {
      byStatus[response.status] = [...(byStatus[response.status] ?? []), response];
    }
    assert.ok((byStatus['401']?.length ?? 0) >= 1, 'some attempts were hashed and answered');
    const busy = byStatus['503'] ?? [];
    assert.ok(busy.length >= 1, `some were told to come back: ${Object.keys(byStatus)}`);
    for (const response of busy) {
      assert.equal(response.headers.get('retry-after'), '5');
      assert.match(await response.text(), /server is busy/);
    }
    assert.deepEqual(Object.keys(byStatus).sort(), ['401', '503']);
  });
});

describe('the semaphore behind it', () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('runs at most N jobs at once and lets a waiter in when a slot frees', async () => {
    const slots = new Semaphore(2, 4, 1000);
    let running = 0;
    let peak = 0;
    const job = async () => {
      running++;
      peak = Math.max(peak, running);
      await pause(20);
      running--;
    };
    await Promise.all(Array.from({ length: 6 }, () => slots.run(job)));
    assert.equal(peak, 2);
  });

  it('refuses at once when the queue is full', async () => {
    const slots = new Semaphore(1, 1, 1000);
    const holder = slots.run(() => pause(100));
    const waiter = slots.run(() => pause(1));
    await assert.rejects(
      slots.run(() => pause(1)),
      BusyError,
    );
    await Promise.all([holder, waiter]);
  });

  it('gives up on a waiter after the brief wait, and the slot count stays right', async () => {
    const slots = new Semaphore(1, 8, 50);
    const holder = slots.run(() => pause(200));
    const started = Date.now();
    await assert.rejects(
      slots.run(() => pause(1)),
      BusyError,
    );
    assert.ok(Date.now() - started < 150, 'the wait is brief');
    await holder;
    assert.equal(await slots.run(async () => 'free again'), 'free again');
  });
});
