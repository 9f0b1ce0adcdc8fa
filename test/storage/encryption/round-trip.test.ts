import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import {
  ciphertextSize,
  decryptRange,
  encodeHeader,
  encryptStream,
  newDataKey,
  plaintextSize,
  SEGMENT_SIZE,
  SegmentEncryptor,
  verifyBlob,
  wrapDataKey,
} from '../../../src/storage/encryption/index.js';
import {
  collect,
  ENTRY_1,
  encryptBlob,
  MiB,
  memorySource,
  patterned,
  readAll,
  ringOf,
  sha256,
  streamSource,
} from './helpers.js';

const SIZES = [0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * MiB + 12345];

describe('encrypt then decrypt', () => {
  for (const size of SIZES) {
    it(`gives back the same ${size} bytes, with the geometry's size and the SHA-256`, async () => {
      const plaintext = patterned(size);
      const encrypted = encryptBlob(plaintext, { chunkSize: 10007 });

      assert.equal(encrypted.blob.length, ciphertextSize(size));
      assert.equal(plaintextSize(encrypted.blob.length), size);
      assert.deepEqual(encrypted.sha256, sha256(plaintext));
      assert.ok((await readAll(encrypted, size)).equals(plaintext));
    });
  }

  it('decrypts the same from random reads and from a chunked stream', async () => {
    const plaintext = patterned(2 * SEGMENT_SIZE + 500);
    const { blob, dataKey } = encryptBlob(plaintext);
    for (const source of [memorySource(blob), streamSource(blob, 999)]) {
      const options = { dataKey, source, plaintextSize: plaintext.length };
      const read = await collect(decryptRange({ ...options, start: 0, end: plaintext.length }));
      assert.ok(read.equals(plaintext));
    }
  });

  it('writes the same blob whatever the size of the incoming chunks', () => {
    const plaintext = patterned(SEGMENT_SIZE * 2 + 77);
    const blobs = [1, 1000, SEGMENT_SIZE, SEGMENT_SIZE + 1, plaintext.length].map((chunkSize) => {
      const dataKey = newDataKey(() => Buffer.alloc(32, 7));
      const nonces = { n: 0 };
      const random = (size: number) => Buffer.alloc(size, nonces.n++);
      return encryptBlob(plaintext, { chunkSize, dataKey, random }).blob;
    });
    for (const blob of blobs) assert.ok(blob.equals(blobs[0]!));
  });

  it('verifyBlob reports an intact blob with its key id and SHA-256', async () => {
    const plaintext = patterned(SEGMENT_SIZE + 3);
    const { blob } = encryptBlob(plaintext, { binding: 'blob-v' });
    const result = await verifyBlob({
      ring: ringOf(ENTRY_1),
      binding: 'blob-v',
      source: memorySource(blob),
      plaintextSize: plaintext.length,
      storedSize: blob.length,
    });
    assert.ok(result.ok);
    assert.equal(result.keyId, 'test-1');
    assert.deepEqual(result.sha256, sha256(plaintext));
  });

  it('works as a Transform stream from plaintext to stored segments', async () => {
    const ring = ringOf(ENTRY_1);
    const plaintext = patterned(5 * SEGMENT_SIZE + 11);
    const dataKey = newDataKey();
    const encryptor = SegmentEncryptor.start({ dataKey, totalSize: plaintext.length });
    const chunks = [plaintext.subarray(0, 100), plaintext.subarray(100)];
    const parts = [encodeHeader(wrapDataKey(ring, dataKey, 'blob-t'))];
    await pipeline(Readable.from(chunks), encryptStream(encryptor), async (segments) => {
      for await (const segment of segments) parts.push(segment as Buffer);
    });

    assert.ok(encryptor.complete);
    assert.deepEqual(encryptor.sha256(), sha256(plaintext));
    const blob = Buffer.concat(parts);
    assert.ok((await readAll({ blob, dataKey }, plaintext.length)).equals(plaintext));
  });
});
