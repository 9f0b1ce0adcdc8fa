import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS } from '@tus/server';
import { Redis } from 'ioredis';
import { RedisLocker, type RedisLockerOptions } from '../../src/files/redis-locker.js';
import { connectRedis } from '../../src/redis.js';
import { redisUrl, skipWithout, uniquePrefix } from '../helpers/services.js';

const url = redisUrl();

describe('upload locks in Redis', { skip: skipWithout('REDIS_URL', url) }, () => {
  // Two connections stand for two app instances.
  let first: Redis;
  let second: Redis;

  before(async () => {
    first = await connectRedis(url!);
    second = await connectRedis(url!);
  });

  after(() => {
    first?.disconnect();
    second?.disconnect();
  });

  function lockers(options: RedisLockerOptions = {}) {
    const settings = { prefix: uniquePrefix('lock'), renewEveryMs: 50, ...options };
    return [new RedisLocker(first, settings), new RedisLocker(second, settings)] as const;
  }
  const never = () => {};

  it('lets one instance hold an upload, asks it to let go, and hands over on unlock', async () => {
    const [a, b] = lockers();
    const held = a.newLock('upload-1');
    let asked = 0;
    await held.lock(new AbortController().signal, () => {
      asked++;
      setTimeout(() => held.unlock(), 100);
    });

    const started = Date.now();
    const waiting = b.newLock('upload-1');
    await waiting.lock(new AbortController().signal, never);
    assert.equal(asked, 1, 'the holder is asked once to release');
    assert.ok(Date.now() - started >= 90, 'the second instance waited for the release');
    await waiting.unlock();
  });

  it('keeps different uploads independent', async () => {
    const [a, b] = lockers();
    const one = a.newLock('upload-a');
    const two = b.newLock('upload-b');
    await one.lock(new AbortController().signal, never);
    await two.lock(new AbortController().signal, never);
    await Promise.all([one.unlock(), two.unlock()]);
  });

  it('gives up after the acquire timeout', async () => {
    const [a, b] = lockers({ acquireTimeoutMs: 300 });
    const held = a.newLock('upload-2');
    await held.lock(new AbortController().signal, never);
    const waiting = b.newLock('upload-2').lock(new AbortController().signal, never);
    await assert.rejects(waiting, (error) => error === ERRORS.ERR_LOCK_TIMEOUT);
    await held.unlock();
  });

  it('stops waiting when the request is aborted', async () => {
    const [a, b] = lockers({ acquireTimeoutMs: 10_000 });
    const held = a.newLock('upload-6');
    await held.lock(new AbortController().signal, never);
    const started = Date.now();
    await assert.rejects(b.newLock('upload-6').lock(AbortSignal.timeout(50), never));
    assert.ok(Date.now() - started < 2000, 'the abort ends the wait well before the timeout');
    await held.unlock();
  });

  it('frees the lock of an instance that stopped renewing it', async () => {
    const prefix = uniquePrefix('lock');
    await first.set(`${prefix}upload-3`, 'a crashed instance', 'PX', 300);
    const [, b] = lockers({ prefix });
    const lock = b.newLock('upload-3');
    await lock.lock(new AbortController().signal, never);
    await lock.unlock();
  });

  it('tells a holder whose lock was taken over to stop writing', async () => {
    const prefix = uniquePrefix('lock');
    const [a] = lockers({ prefix });
    const lock = a.newLock('upload-4');
    let released = false;
    await lock.lock(new AbortController().signal, () => {
      released = true;
    });
    await first.set(`${prefix}upload-4`, 'someone else');
    for (let tries = 0; tries < 40 && !released; tries++) await sleep(25);
    assert.ok(released);
    await lock.unlock();
    assert.equal(await first.get(`${prefix}upload-4`), 'someone else', 'unlock frees only its own');
  });

  it('answers 503 while Redis cannot be reached', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    down.on('error', () => {});
    const lock = new RedisLocker(down).newLock('upload-5');
    await assert.rejects(lock.lock(new AbortController().signal, never), (error) => {
      return (error as { status_code: number }).status_code === 503;
    });
    down.disconnect();
  });
});
