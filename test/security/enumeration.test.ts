/**
 * Abuse: learning who keeps papers at Khaznati by asking the server about an email:
 * signing in with a guessed password, or registering with the address, and comparing the
 * answers (status, page, cookies) or merely how long they take. For an existing and an
 * unknown email the answers must be identical, and their median times over 30 tries
 * within 20 ms of each other.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/accounts/password.js';
import { users } from '../../src/accounts/tables.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { median, ProxiedClient } from './support.js';

const TRIES = 30;
const TOLERANCE_MS = 20;
// Other work on a shared machine can upset one round; a real leak (a skipped Argon2 hash,
// tens of milliseconds) shows in every round.
const ROUNDS = 5;
const stripValues = (html: string) => html.replace(/value="[^"]*"/g, '');

/** What a visitor can observe about an answer, apart from its timing. */
async function observable(response: Response) {
  return {
    status: response.status,
    location: response.headers.get('location'),
    cookies: response.headers.getSetCookie().map((line) => line.split('=')[0]),
    body: stripValues(await response.text()),
  };
}

/** Times one form post from a new visitor; the CSRF token is fetched before the clock starts. */
async function timedPost(t: TestApp, page: string, fields: Record<string, string>) {
  const client = new ProxiedClient(t.url);
  const token = await client.csrfToken(page);
  const started = performance.now();
  const response = await client.postForm(page, { _csrf: token, ...fields });
  await response.arrayBuffer();
  return performance.now() - started;
}

/** Alternates the two kinds so that load on the machine falls on both alike. */
async function interleavedMedians(
  one: (i: number) => Promise<number>,
  other: (i: number) => Promise<number>,
) {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < TRIES; i++) {
    if (i % 2 === 0) {
      a.push(await one(i));
      b.push(await other(i));
    } else {
      b.push(await other(i));
      a.push(await one(i));
    }
  }
  return { a: median(a), b: median(b) };
}

async function assertSameTiming(
  context: { diagnostic(message: string): void },
  labels: [string, string],
  one: (i: number) => Promise<number>,
  other: (i: number) => Promise<number>,
) {
  const rounds: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { a, b } = await interleavedMedians(one, other);
    rounds.push(`${labels[0]} ${a.toFixed(1)} ms, ${labels[1]} ${b.toFixed(1)} ms`);
    context.diagnostic(rounds.at(-1)!);
    if (Math.abs(a - b) <= TOLERANCE_MS) return;
  }
  assert.fail(`medians ${TOLERANCE_MS}+ ms apart in every round: ${rounds.join('; ')}`);
}

for (const target of databaseTargets()) {
  describe(`account enumeration on ${target.name}`, () => {
    let t: TestApp;
    const known: string[] = [];

    before(async () => {
      t = await startTestApp(target);
      const passwordHash = await hashPassword('the real password 1', t.config.passwordPepper);
      for (let i = 0; i < TRIES; i++)
        known.push(`known.${i}.${randomBytes(4).toString('hex')}@example.dz`);
      await t.app.database.db
        .insert(users)
        .values(known.map((email) => ({ email, passwordHash, quotaBytes: 1 })));
    });
    after(() => t.close());

    it('answers a wrong password and an unknown email identically', async () => {
      const wrong = await new Client(t.url).signIn(known[0]!, 'not the password 1');
      const unknown = await new Client(t.url).signIn(uniqueEmail('nobody'), 'not the password 1');
      assert.equal(wrong.status, 401);
      assert.deepEqual(await observable(wrong), await observable(unknown));
    });

    it('takes as long for an unknown email as for a wrong password (medians within 20 ms)', async (context) => {
      const signIn = (email: string) =>
        timedPost(t, '/signin', { email, password: 'not the password 1' });
      await signIn(uniqueEmail('warm-up'));
      await assertSameTiming(
        context,
        ['known', 'unknown'],
        (i) => signIn(known[i]!),
        () => signIn(uniqueEmail('nobody')),
      );
    });

    it('answers registering a taken email exactly like registering a new one', async () => {
      const password = 'a fresh passphrase';
      const taken = await new Client(t.url).submitRegistration(known[1]!, password);
      const fresh = await new Client(t.url).submitRegistration(uniqueEmail('new'), password);
      assert.equal(fresh.status, 303);
      assert.equal(fresh.headers.get('location'), '/signin?registered=1');
      assert.deepEqual(await observable(taken), await observable(fresh));
    });

    it('takes as long to register a taken email as a new one (medians within 20 ms)', async (context) => {
      const register = (email: string) =>
        timedPost(t, '/register', {
          email,
          password: 'a fresh passphrase',
          passwordConfirmation: 'a fresh passphrase',
        });
      await register(uniqueEmail('warm-up'));
      await assertSameTiming(
        context,
        ['taken', 'new'],
        (i) => register(known[i]!),
        () => register(uniqueEmail('new')),
      );
    });

    it('still gets a person who registers normally into their files, by signing in', async () => {
      const client = new Client(t.url);
      const email = uniqueEmail('newcomer');
      const registered = await client.submitRegistration(email, 'my own passphrase');
      const landing = await client.get(registered.headers.get('location')!);
      assert.match(await landing.text(), /Your account is ready: sign in/);
      const signedIn = await client.signIn(email, 'my own passphrase');
      assert.equal(signedIn.headers.get('location'), '/files');
      assert.equal((await client.get('/files')).status, 200);
    });
  });
}
