import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { type BlobStore, newBlobKey } from '../../src/storage/blob-store.js';

/** The behaviour every blob store must share; run against each implementation. */
export function blobStoreContract(name: string, open: () => Promise<BlobStore>) {
  describe(`blob store contract: ${name}`, () => {
    const body = (value: string) => Readable.from([Buffer.from(value)]);

    it('puts, stats, reads whole and by range, lists and deletes', async () => {
      const store = await open();
      const key = newBlobKey();
      await store.put(key, body('hello, khaznati'));
      const info = await store.stat(key);
      assert.equal(info?.size, 15);
      if (info?.modifiedAt) {
        assert.ok(Math.abs(info.modifiedAt.getTime() - Date.now()) < 60_000, 'modifiedAt is now');
      }
      assert.equal(await text(await store.get(key)), 'hello, khaznati');
      assert.equal(await text(await store.get(key, { start: 7, end: 14 })), 'khaznati');
      const keys: string[] = [];
      for await (const listed of store.list()) keys.push(listed);
      assert.ok(keys.includes(key));
      await store.delete(key);
      assert.equal(await store.stat(key), null);
      await store.delete(key);
    });

    it('appends, truncates and rewrites in place', async () => {
      const store = await open();
      const key = newBlobKey();
      assert.equal(await store.append(key, body('abcdef')), 6);
      assert.equal(await store.append(key, body('ghij')), 10);
      await store.truncate(key, 8);
      assert.equal(await store.append(key, body('XY')), 10);
      await store.writeAt(key, 0, Buffer.from('AB'));
      assert.equal(await text(await store.get(key)), 'ABcdefghXY');
      assert.equal(await text(await store.get(key, { start: 5, end: 8 })), 'fghX');
      await store.truncate(key, 20);
      assert.equal((await store.stat(key))?.size, 10, 'truncate never grows');
      await assert.rejects(store.writeAt(key, 9, Buffer.from('too long')));
      await store.delete(key);
    });

    it('keeps what arrived when an appended body fails half-way', async () => {
      const store = await open();
      const key = newBlobKey();
      async function* torn() {
        yield Buffer.from('first part;');
        throw new Error('connection lost');
      }
      await assert.rejects(store.append(key, Readable.from(torn())));
      const size = (await store.stat(key))?.size ?? 0;
      assert.ok(
        size === 0 || size === 11,
        `a torn append keeps all or nothing of a chunk (${size})`,
      );
      await store.delete(key);
    });

    it('keeps empty blobs, and grows one again after cutting it to nothing', async () => {
      const store = await open();
      const empty = newBlobKey();
      await store.put(empty, Readable.from([]));
      assert.equal((await store.stat(empty))?.size, 0, 'an empty blob exists with size 0');
      assert.equal(await text(await store.get(empty)), '');
      const key = newBlobKey();
      assert.equal(await store.append(key, Readable.from([])), 0);
      assert.equal((await store.stat(key))?.size, 0, 'an empty append creates the blob');
      assert.equal(await store.append(key, body('first')), 5);
      await store.truncate(key, 0);
      assert.equal(await store.append(key, body('second')), 6);
      assert.equal(await text(await store.get(key)), 'second');
      await Promise.all([store.delete(empty), store.delete(key)]);
    });

    it("refuses keys that are not of the server's own shape", async () => {
      const store = await open();
      await assert.rejects(store.put('../../etc/passwd', body('x')));
      await assert.rejects(store.stat('../escape'));
    });

    it('reports a missing blob as null, and rejects reading it', async () => {
      const store = await open();
      const key = newBlobKey();
      assert.equal(await store.stat(key), null);
      await assert.rejects(store.get(key));
    });
  });
}
