/**
 * Someone with write access to the disk or the bucket (or a failing disk) changes stored
 * bytes. Whatever they change, a download must fail with DamagedBlobError rather than end
 * cleanly with other bytes, and `verifyBlob` must report the blob as damaged. The sizes
 * the downloader trusts come from the database; the tests also try sizes taken from the
 * tampered blob itself, as a careless caller might.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DamagedBlobError,
  decryptRange,
  HEADER_SIZE,
  MasterKeyUnknownError,
  openBlob,
  plaintextSize,
  SEGMENT_OVERHEAD,
  SEGMENT_SIZE,
  UnsupportedBlobFormatError,
  verifyBlob,
} from '../../../src/storage/encryption/index.js';
import {
  assertDamaged,
  collect,
  ENTRY_1,
  encryptBlob,
  memorySource,
  patterned,
  ringOf,
} from './helpers.js';

const S = SEGMENT_SIZE;
const STORED = S + SEGMENT_OVERHEAD;
const SIZE = 3 * S + 500;
const ring = ringOf(ENTRY_1);
const plaintext = patterned(SIZE);
const original = encryptBlob(plaintext, { ring, binding: 'blob-a' });

function at(index: number): number {
  return HEADER_SIZE + index * STORED;
}

/** Opens the blob as a download does: header and key first, then the whole range. */
async function download(blob: Buffer, size = SIZE, binding = 'blob-a'): Promise<Buffer> {
  const source = memorySource(blob);
  const { header, dataKey } = await openBlob(ring, binding, source);
  const segmentSize = header.segmentSize;
  return collect(
    decryptRange({ dataKey, segmentSize, source, plaintextSize: size, start: 0, end: size }),
  );
}

async function assertDetected(blob: Buffer, size = SIZE, binding = 'blob-a'): Promise<void> {
  await assertDamaged(download(blob, size, binding));
  const source = memorySource(blob);
  const result = await verifyBlob({
    ring,
    binding,
    source,
    plaintextSize: size,
    storedSize: blob.length,
  });
  assert.equal(result.ok, false);
}

function flipped(offset: number): Buffer {
  const blob = Buffer.from(original.blob);
  blob[offset]! ^= 0x01;
  return blob;
}

describe('tampering is detected', () => {
  it('reads the untouched blob (control)', async () => {
    assert.ok((await download(original.blob)).equals(plaintext));
  });

  it('flipping any single byte of the header', async () => {
    for (let offset = 0; offset < HEADER_SIZE; offset++) {
      await assert.rejects(openBlob(ring, 'blob-a', memorySource(flipped(offset))), (error) => {
        const refused =
          error instanceof DamagedBlobError ||
          error instanceof MasterKeyUnknownError ||
          error instanceof UnsupportedBlobFormatError;
        assert.ok(refused, `byte ${offset}: ${error}`);
        return true;
      });
    }
  });

  it('flipping a byte of a nonce, of the ciphertext and of a tag', async () => {
    await assertDetected(flipped(at(1)));
    await assertDetected(flipped(at(1) + 12 + 1000));
    await assertDetected(flipped(at(2) - 1));
    await assertDetected(flipped(original.blob.length - 1));
  });

  it('flipping a byte in a segment fails a Range that covers it, mid-stream', async () => {
    const source = memorySource(flipped(at(2) + 100));
    const stream = decryptRange({
      dataKey: original.dataKey,
      source,
      plaintextSize: SIZE,
      start: 10,
      end: SIZE,
    });
    const received: Buffer[] = [];
    await assert.rejects(
      (async () => {
        for await (const piece of stream) received.push(piece as Buffer);
      })(),
      (error) => error instanceof DamagedBlobError && error.segmentIndex === 2,
    );
    assert.equal(Buffer.concat(received).length, 2 * S - 10);
  });

  it('truncating the blob, at a segment edge or inside one', async () => {
    for (const length of [at(3), at(3) + 100, at(1), HEADER_SIZE, original.blob.length - 1]) {
      const blob = original.blob.subarray(0, length);
      await assertDetected(blob);
      const claimed = safePlaintextSize(blob.length);
      if (claimed !== null) await assertDetected(blob, claimed);
    }
  });

  it('appending bytes or a copy of the last segment', async () => {
    const last = original.blob.subarray(at(3));
    for (const extra of [Buffer.alloc(1), Buffer.alloc(SEGMENT_OVERHEAD + 10, 1), last]) {
      const blob = Buffer.concat([original.blob, extra]);
      const result = await verifyBlob({
        ring,
        binding: 'blob-a',
        source: memorySource(blob),
        plaintextSize: SIZE,
        storedSize: blob.length,
      });
      assert.equal(result.ok, false);
      const claimed = safePlaintextSize(blob.length);
      if (claimed !== null) await assertDetected(blob, claimed);
    }
  });

  it('swapping two segments', async () => {
    const blob = Buffer.from(original.blob);
    original.blob.copy(blob, at(0), at(1), at(2));
    original.blob.copy(blob, at(1), at(0), at(1));
    await assertDetected(blob);
  });

  it('putting another file’s segment at the same index', async () => {
    const other = encryptBlob(patterned(SIZE, 9), { ring, binding: 'blob-b' });
    const blob = Buffer.from(original.blob);
    other.blob.copy(blob, at(1), at(1), at(2));
    await assertDetected(blob);
  });

  it('swapping two files’ whole blobs (the binding differs)', async () => {
    const other = encryptBlob(patterned(SIZE, 9), { ring, binding: 'blob-b' });
    await assertDamaged(download(other.blob, SIZE, 'blob-a'), 'wrapped_key');
    await assertDamaged(download(original.blob, SIZE, 'blob-b'), 'wrapped_key');
  });

  it('moving another file’s header onto this blob', async () => {
    const other = encryptBlob(patterned(SIZE, 9), { ring, binding: 'blob-a' });
    const blob = Buffer.from(original.blob);
    other.blob.copy(blob, 0, 0, HEADER_SIZE);
    await assertDetected(blob);
  });
});

function safePlaintextSize(length: number): number | null {
  try {
    return plaintextSize(length);
  } catch (error) {
    if (error instanceof DamagedBlobError) return null;
    throw error;
  }
}
