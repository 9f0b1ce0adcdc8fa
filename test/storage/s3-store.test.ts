import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { newBlobKey } from '../../src/storage/blob-store.js';
import { S3BlobStore } from '../../src/storage/s3-store.js';
import { type S3Emulator, startS3Emulator } from '../helpers/s3-emulator.js';
import { blobStoreContract } from './blob-store-contract.js';

let emulator: S3Emulator;
const stores: S3BlobStore[] = [];

before(async () => {
  emulator = await startS3Emulator();
});

after(async () => {
  for (const store of stores) store.close();
  await emulator?.stop();
});

/** Tiny parts, so that every case crosses part boundaries. */
async function openStore(partBytes = 4): Promise<S3BlobStore> {
  const store = new S3BlobStore(emulator.settings, partBytes);
  stores.push(store);
  await store.init();
  return store;
}

blobStoreContract('S3 (emulator: s3rver on 127.0.0.1)', () => openStore());
blobStoreContract('S3 with full-size parts (emulator: s3rver on 127.0.0.1)', () =>
  openStore(5 * 1024 * 1024),
);

describe('S3 store layout (emulator: s3rver on 127.0.0.1)', () => {
  const body = (value: string) => Readable.from([Buffer.from(value)]);

  it('reads a range that spans many parts and ends past the blob', async () => {
    const store = await openStore(3);
    const key = newBlobKey();
    await store.put(key, body('0123456789abcdefghij'));
    assert.equal(await text(await store.get(key, { start: 2, end: 15 })), '23456789abcdef');
    assert.equal(await text(await store.get(key, { start: 18, end: 40 })), 'ij');
  });

  it('cuts inside a part, appends over the cut, cuts again at the same place', async () => {
    const store = await openStore(4);
    const key = newBlobKey();
    await store.append(key, body('abcdefghij'));
    await store.truncate(key, 6);
    assert.deepEqual(await store.stat(key), { size: 6 });
    assert.equal(await store.append(key, body('XYZ')), 9);
    assert.equal(await text(await store.get(key)), 'abcdefXYZ');
    await store.truncate(key, 6);
    assert.equal(await text(await store.get(key)), 'abcdef', 'bytes hidden by the cut stay hidden');
    await store.truncate(key, 0);
    assert.deepEqual(await store.stat(key), { size: 0 });
    assert.equal(await store.append(key, body('new')), 3);
    assert.equal(await text(await store.get(key)), 'new');
    await store.delete(key);
  });

  it('leaves no end marker behind: a second cut, and a whole put over a cut blob', async () => {
    const store = await openStore(4);
    const key = newBlobKey();
    await store.append(key, body('abcdefghij'));
    await store.truncate(key, 8);
    await store.truncate(key, 4);
    assert.equal(await store.append(key, body('XYZWV')), 9);
    assert.equal(await text(await store.get(key)), 'abcdXYZWV');
    await store.truncate(key, 6);
    await store.put(key, body('0123456789ABCDEF'));
    assert.equal(await text(await store.get(key)), '0123456789ABCDEF');
    await store.delete(key);
    assert.equal(await store.stat(key), null);
  });

  it('rewrites in place across parts without changing the size', async () => {
    const store = await openStore(4);
    const key = newBlobKey();
    await store.append(key, body('0123456789'));
    await store.writeAt(key, 2, Buffer.from('ABCDEF'));
    assert.equal(await text(await store.get(key)), '01ABCDEF89');
    assert.deepEqual(await store.stat(key), { size: 10 });
  });

  it('lists each blob once, however many parts it has, and forgets deleted ones', async () => {
    const store = await openStore(2);
    const key = newBlobKey();
    await store.put(key, body('several parts'));
    const listed = async () => {
      const keys: string[] = [];
      for await (const found of store.list()) keys.push(found);
      return keys;
    };
    assert.equal((await listed()).filter((found) => found === key).length, 1);
    await store.delete(key);
    assert.ok(!(await listed()).includes(key));
  });

  it('keeps the parts that arrived when an append breaks off', async () => {
    const store = await openStore(4);
    const key = newBlobKey();
    async function* torn() {
      yield Buffer.from('0123456789');
      throw new Error('connection lost');
    }
    await assert.rejects(store.append(key, Readable.from(torn())));
    assert.equal(await text(await store.get(key)), '0123456789');
  });

  it('fails its check when the bucket does not exist', async () => {
    const store = new S3BlobStore({ ...emulator.settings, bucket: 'no-such-bucket' });
    stores.push(store);
    await assert.rejects(store.init(AbortSignal.timeout(5000)));
  });
});
