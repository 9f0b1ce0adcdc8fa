/**
 * Abuse: guessing one person's password from many addresses (a botnet, or a phone
 * hopping between mobile IPs), which the per-address limit alone cannot see. Failures are
 * counted per account, for known and unknown emails alike so that being made to wait
 * reveals nothing; after ten in an hour the account answers 429 with Retry-After and a
 * delay that doubles with each further failure, without spending a hash on the attempt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryFailureStore } from '../../src/accounts/failure-store.js';
import {
  ACCOUNT_FAILURE_LIMIT,
  lockDurationMs,
  SignInThrottle,
} from '../../src/accounts/sign-in-throttle.js';
import { Client, uniqueEmail } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { ProxiedClient } from './support.js';

const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
const stripValues = (html: string) => html.replace(/value="[^"]*"/g, '');

/** Each attempt from a new address, so only the per-account count can stop them. */
function fromAnywhere(t: TestApp, email: string, password: string) {
  return new ProxiedClient(t.url).signIn(email, password);
}

async function failTimes(t: TestApp, email: string, times: number) {
  for (let i = 0; i < times; i++) {
    const response = await fromAnywhere(t, email, `wrong guess number ${i}`);
    assert.equal(response.status, 401, `failure ${i + 1}`);
  }
}

function throttledAccounts(name: string, env: Record<string, string>) {
  for (const target of name === 'redis' ? databaseTargets().slice(0, 1) : databaseTargets()) {
    describe(`per-account limit (${name} store) on ${target.name}`, () => {
      let t: TestApp;
      before(async () => {
        t = await startTestApp(target, { AUTH_RATE_LIMIT_PER_MINUTE: '5', ...env });
      });
      after(() => t.close());

      it('locks an account after ten failures: 429, Retry-After, no hashing, even for the right password', async () => {
        const email = uniqueEmail('target');
        await new Client(t.url).register(email);
        await failTimes(t, email, ACCOUNT_FAILURE_LIMIT);

        const hashes = t.app.server.passwords.hashesStarted;
        const locked = await fromAnywhere(t, email, 'correct horse battery');
        assert.equal(locked.status, 429);
        const retryAfter = Number(locked.headers.get('retry-after'));
        assert.ok(retryAfter > 50 && retryAfter <= 60, `Retry-After ${retryAfter}`);
        assert.match(await locked.text(), /Too many failed attempts for this account/);
        assert.equal(
          locked.headers.getSetCookie().some((c) => c.startsWith('KhaznatiSession')),
          false,
        );
        assert.equal(t.app.server.passwords.hashesStarted, hashes, 'no hash while locked');
      });

      it('locks an unknown email exactly like a known one', async () => {
        const known = uniqueEmail('known');
        const unknown = uniqueEmail('unknown');
        await new Client(t.url).register(known);
        await failTimes(t, known, ACCOUNT_FAILURE_LIMIT);
        await failTimes(t, unknown, ACCOUNT_FAILURE_LIMIT);
        const a = await fromAnywhere(t, known, 'another guess here');
        const b = await fromAnywhere(t, unknown, 'another guess here');
        assert.equal(a.status, 429);
        assert.equal(b.status, 429);
        assert.equal(stripValues(await a.text()), stripValues(await b.text()));
      });

      it('forgets earlier failures after a successful sign-in', async () => {
        const email = uniqueEmail('forgetful');
        await new Client(t.url).register(email);
        await failTimes(t, email, ACCOUNT_FAILURE_LIMIT - 1);
        assert.equal((await fromAnywhere(t, email, 'correct horse battery')).status, 303);
        await failTimes(t, email, ACCOUNT_FAILURE_LIMIT - 1);
      });

      it('counts wrong current passwords on the account page as failures too', async () => {
        const email = uniqueEmail('changer');
        const thief = new ProxiedClient(t.url);
        await thief.register(email);
        for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) {
          const response = await new ProxiedClient(t.url).signIn(email, `bad guess ${i}`);
          assert.equal(response.status, 401);
        }
        const change = await thief.submit('/account', '/account/password', {
          currentPassword: 'correct horse battery',
          newPassword: 'a brand new passphrase',
          newPasswordConfirmation: 'a brand new passphrase',
        });
        assert.equal(change.status, 429);
        assert.ok(Number(change.headers.get('retry-after')) > 0);
      });
    });
  }
}

throttledAccounts('memory', {});
if (redisUrl) throttledAccounts('redis', { REDIS_URL: redisUrl });

describe('per-account delay', () => {
  it('starts at one minute and doubles with each further failure, up to an hour', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const throttle = new SignInThrottle(new MemoryFailureStore(), 'k'.repeat(32), () => now);
    const key = throttle.keyFor('Someone@Example.dz');
    assert.equal(key, throttle.keyFor(' someone@example.dz '), 'keyed on the normalised email');
    assert.doesNotMatch(key, /someone|example/, 'the store never sees the email');

    for (let i = 0; i < ACCOUNT_FAILURE_LIMIT - 1; i++) await throttle.recordFailure(key);
    assert.equal(await throttle.retryAfterSeconds(key), 0, 'nine failures: no wait');

    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      await throttle.recordFailure(key);
      const wait = await throttle.retryAfterSeconds(key);
      waits.push(wait);
      now += wait * 1000;
      assert.equal(await throttle.retryAfterSeconds(key), 0, 'the wait ends');
    }
    assert.deepEqual(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    assert.equal(lockDurationMs(ACCOUNT_FAILURE_LIMIT - 1), 0);

    now += 3600_000;
    await throttle.recordFailure(key);
    assert.equal(await throttle.retryAfterSeconds(key), 0, 'an hour without failures forgets them');
  });
});
