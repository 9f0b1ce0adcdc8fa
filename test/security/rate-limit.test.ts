/**
 * Abuse: guessing passwords (or probing which emails have accounts) by sending sign-in
 * and registration attempts as fast as the server answers, and dodging the limit by
 * typing a different X-Forwarded-For or CF-Connecting-IP into each request, or by rotating
 * through the addresses of one IPv6 /64. Five attempts a minute per client, counted on
 * the address that only a trusted proxy may report, refused with 429 before any hashing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Client } from '../helpers/browser-like-client.js';
import { databaseTargets } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { freshAddress } from './support.js';

const LIMIT = { AUTH_RATE_LIMIT_PER_MINUTE: '5' };
const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;

/** One sign-in attempt carrying the given headers, from a visitor with a fresh CSRF token. */
async function attempt(url: string, headers: Record<string, string>, path = '/signin') {
  const client = new Client(url);
  const token = await client.csrfToken(path);
  const fields = { _csrf: token, email: `nobody.${randomBytes(4).toString('hex')}@example.dz` };
  return client.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({
      ...fields,
      password: 'wrong password here',
      passwordConfirmation: 'wrong password here',
    }).toString(),
  });
}

async function statuses(
  url: string,
  headersFor: (i: number) => Record<string, string>,
  path?: string,
) {
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) seen.push((await attempt(url, headersFor(i), path)).status);
  return seen;
}

const [pglite] = databaseTargets();

describe('rate limits on sign-in and registration', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(pglite!, LIMIT);
  });
  after(() => t.close());

  it('answers the sixth sign-in in a minute with 429 and Retry-After, before any hashing', async () => {
    const address = freshAddress();
    const seen = await statuses(t.url, () => ({ 'x-forwarded-for': address }));
    assert.deepEqual(seen.slice(0, 5), [401, 401, 401, 401, 401]);

    const hashes = t.app.server.passwords.hashesStarted;
    const refused = await attempt(t.url, { 'x-forwarded-for': address });
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(await refused.text(), /Too many attempts/);
    assert.equal(t.app.server.passwords.hashesStarted, hashes, 'no hash for a refused attempt');
  });

  it('limits registration the same way', async () => {
    const address = freshAddress();
    const seen = await statuses(t.url, () => ({ 'x-forwarded-for': address }), '/register');
    assert.deepEqual(seen, [303, 303, 303, 303, 303, 429]);
  });

  it('counts each client on its own: another address is not slowed down', async () => {
    const busy = freshAddress();
    await statuses(t.url, () => ({ 'x-forwarded-for': busy }));
    assert.equal((await attempt(t.url, { 'x-forwarded-for': freshAddress() })).status, 401);
  });

  it('counts an IPv6 /64 as one client, and the next /64 as another', async () => {
    const prefix = `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
    const seen = await statuses(t.url, (i) => ({ 'x-forwarded-for': `${prefix}::${i + 1}` }));
    assert.equal(seen[5], 429, `rotating within ${prefix}::/64 does not help`);
    const neighbour = `2001:db8:ffff:${randomBytes(2).toString('hex')}::1`;
    assert.equal((await attempt(t.url, { 'x-forwarded-for': neighbour })).status, 401);
  });

  it('believes CF-Connecting-IP from a trusted proxy, over X-Forwarded-For', async () => {
    const forwarded = freshAddress();
    const distinct = await statuses(t.url, () => ({
      'x-forwarded-for': forwarded,
      'cf-connecting-ip': freshAddress(),
    }));
    assert.deepEqual(distinct, [401, 401, 401, 401, 401, 401], 'six people behind Cloudflare');

    const person = freshAddress();
    const same = await statuses(t.url, () => ({
      'x-forwarded-for': freshAddress(),
      'cf-connecting-ip': person,
    }));
    assert.equal(same[5], 429, 'one person, whatever the forwarded chain says');
  });
});

describe('rate limits behind an untrusted peer', () => {
  it('ignores X-Forwarded-For and CF-Connecting-IP typed by the client: the limit still trips', async () => {
    const t = await startTestApp(pglite!, { ...LIMIT, TRUSTED_PROXIES: '192.0.2.1/32' });
    try {
      const seen = await statuses(t.url, () => ({
        'x-forwarded-for': freshAddress(),
        'cf-connecting-ip': freshAddress(),
      }));
      assert.deepEqual(seen, [401, 401, 401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});

describe('rate limits shared through Redis', { skip: !redisUrl && 'REDIS_URL is not set' }, () => {
  it('counts attempts on two instances together', async () => {
    const env = { ...LIMIT, REDIS_URL: redisUrl! };
    const first = await startTestApp(pglite!, env);
    const second = await startTestApp(pglite!, env);
    const redis = new Redis(redisUrl!);
    try {
      const address = freshAddress();
      const seen: number[] = [];
      for (let i = 0; i < 6; i++) {
        const app = i % 2 === 0 ? first : second;
        seen.push((await attempt(app.url, { 'x-forwarded-for': address })).status);
      }
      assert.deepEqual(seen, [401, 401, 401, 401, 401, 429]);
      const keys = await redis.keys(`khaznati:rate-limit:*${address}`);
      assert.equal(keys.length, 1, 'the counter lives in Redis');
    } finally {
      redis.disconnect();
      await first.close();
      await second.close();
    }
  });
});
