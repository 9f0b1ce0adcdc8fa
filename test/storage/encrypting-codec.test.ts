import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { UploadCheckpoint } from '../../src/storage/blob-codec.js';
import { type BlobStore, type ByteRange, newBlobKey } from '../../src/storage/blob-store.js';
import { DiskBlobStore } from '../../src/storage/disk-store.js';
import { EncryptingCodec } from '../../src/storage/encrypting-codec.js';
import {
  ciphertextSize,
  DamagedBlobError,
  HEADER_SIZE,
  SEGMENT_OVERHEAD,
  SEGMENT_SIZE,
} from '../../src/storage/encryption/index.js';
import { collect, ENTRY_1, patterned, ringOf, sha256 } from './encryption/helpers.js';

const S = SEGMENT_SIZE;

/** The disk store, counting the bytes each `get` asks for. */
class CountingStore extends DiskBlobStore {
  requested = 0;
  override async get(key: string, range?: ByteRange): Promise<Readable> {
    const size = (await this.stat(key))?.size ?? 0;
    this.requested += range ? range.end - range.start + 1 : size;
    return super.get(key, range);
  }
}

async function* chunksOf(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function* failingAfter(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
  throw new Error('connection lost');
}

describe('encrypting codec over a blob store', () => {
  let directory: string;
  let blobs: CountingStore;
  const codec = () => new EncryptingCodec(blobs, ringOf(ENTRY_1));

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'khaznati-codec-'));
    blobs = new CountingStore(join(directory, 'blobs'));
    await blobs.init();
  });
  after(() => rm(directory, { recursive: true, force: true }));

  async function upload(data: Buffer, requests: number[], store: BlobStore = blobs) {
    const key = newBlobKey();
    const sealing = new EncryptingCodec(store, ringOf(ENTRY_1));
    await sealing.beginUpload(key, data.length);
    let checkpoint: UploadCheckpoint | undefined;
    let at = 0;
    let digest: string | null = null;
    for (const length of requests) {
      const stored = await sealing.readUpload(key, data.length);
      assert.equal(stored.offset, at);
      const outcome = await stored.append(
        chunksOf(data.subarray(at, at + length), 7000),
        checkpoint,
      );
      at += length;
      assert.equal(outcome.offset, at);
      checkpoint = outcome.checkpoint;
      digest = outcome.sha256;
    }
    return { key, digest };
  }

  it('stores only ciphertext of the expected size, and hashes the plaintext on the way', async () => {
    const data = patterned(3 * S + 10);
    const { key, digest } = await upload(data, [S + 5, 100, 2 * S - 95]);
    assert.equal(digest, sha256(data).toString('hex'));
    assert.equal((await blobs.stat(key))?.size, ciphertextSize(data.length));
    const stored = await collect(await blobs.get(key));
    assert.equal(stored.indexOf(data.subarray(0, 64)), -1, 'no plaintext run in the blob');
    assert.ok((await collect(await codec().read(key, data.length))).equals(data));
  });

  it('hashes the same without a checkpoint, by decrypting what is stored', async () => {
    const data = patterned(2 * S + 3, 7);
    const key = newBlobKey();
    await codec().beginUpload(key, data.length);
    await (await codec().readUpload(key, data.length)).append(
      chunksOf(data.subarray(0, S + 1), 999),
    );
    const stored = await codec().readUpload(key, data.length);
    const outcome = await stored.append(chunksOf(data.subarray(S + 1), 999));
    assert.equal(outcome.sha256, sha256(data).toString('hex'));
  });

  it('leaves the blob untouched when a request brings no bytes', async () => {
    const data = patterned(S + 500);
    const key = newBlobKey();
    await codec().beginUpload(key, data.length);
    await (await codec().readUpload(key, data.length)).append(chunksOf(data.subarray(0, 700), 99));
    const before = await collect(await blobs.get(key));
    const stored = await codec().readUpload(key, data.length);
    const outcome = await stored.append(chunksOf(Buffer.alloc(0), 1));
    assert.equal(outcome.offset, 700);
    assert.ok((await collect(await blobs.get(key))).equals(before), 'not even re-sealed');
  });

  it('keeps every byte of a body cut off in transit, as a provisional tail', async () => {
    const data = patterned(2 * S + 100);
    const key = newBlobKey();
    await codec().beginUpload(key, data.length);
    const first = await codec().readUpload(key, data.length);
    const outcome = await first.append(failingAfter(data.subarray(0, S + 100)));
    assert.match(String(outcome.failure), /connection lost/);
    assert.equal(outcome.sha256, null);
    assert.equal(outcome.offset, S + 100);
    const stored = await codec().readUpload(key, data.length);
    assert.equal(stored.offset, S + 100, 'the full segment and the partial tail both stayed');
    assert.equal(stored.complete, false);

    const rest = await stored.append(chunksOf(data.subarray(S + 100), 5000));
    assert.equal(rest.sha256, sha256(data).toString('hex'));
    assert.ok((await collect(await codec().read(key, data.length))).equals(data));
  });

  it('never completes an upload from a failed body, even one that brought every byte', async () => {
    const data = patterned(S + 100);
    const key = newBlobKey();
    await codec().beginUpload(key, data.length);
    const first = await codec().readUpload(key, data.length);
    const outcome = await first.append(failingAfter(data));
    assert.match(String(outcome.failure), /connection lost/);
    assert.equal(outcome.sha256, null);
    const stored = await codec().readUpload(key, data.length);
    assert.equal(stored.complete, false, 'the final segment was not sealed');
    assert.equal(stored.offset, S, 'the unsealed last bytes are sent again');

    const rest = await stored.append(chunksOf(data.subarray(S), 50));
    assert.equal(rest.sha256, sha256(data).toString('hex'));
    assert.ok((await collect(await codec().read(key, data.length))).equals(data));
  });

  it('reads only the segments a range overlaps', async () => {
    const data = patterned(10 * S);
    const { key } = await upload(data, [data.length]);
    blobs.requested = 0;
    const wanted = { start: 4 * S + 10, end: 5 * S + 20 };
    const bytes = await collect(await codec().read(key, data.length, wanted));
    assert.ok(bytes.equals(data.subarray(wanted.start, wanted.end + 1)));
    assert.equal(blobs.requested, HEADER_SIZE + 2 * (S + SEGMENT_OVERHEAD));
  });

  it('refuses to open a blob under another key (a swapped blob)', async () => {
    const data = patterned(1000);
    const { key } = await upload(data, [1000]);
    const other = newBlobKey();
    await blobs.put(other, await blobs.get(key));
    await assert.rejects(codec().read(other, data.length), DamagedBlobError);
  });

  it('refuses a blob whose length does not match the file (cut or extended)', async () => {
    const data = patterned(S + 10);
    const { key } = await upload(data, [data.length]);
    await blobs.append(key, Readable.from([Buffer.from('more')]));
    await assert.rejects(codec().read(key, data.length), DamagedBlobError);
    await blobs.truncate(key, ciphertextSize(data.length) - 1);
    await assert.rejects(codec().read(key, data.length), DamagedBlobError);
  });
});
