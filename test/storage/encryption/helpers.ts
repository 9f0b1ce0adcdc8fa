import assert from 'node:assert/strict';
import { createHash, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type CiphertextSource,
  DamagedBlobError,
  decryptRange,
  encodeHeader,
  type MasterKeyRing,
  newDataKey,
  parseMasterKeys,
  type RandomSource,
  SEGMENT_SIZE,
  SegmentEncryptor,
  wrapDataKey,
} from '../../../src/storage/encryption/index.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Fixed master keys: bytes 0x00..0x1f (id "test-1") and 0x40..0x5f (id "test-2"). */
export const KEY_1 = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
export const KEY_2 = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x40 + i));
export const ENTRY_1 = `test-1:${KEY_1.toString('base64')}`;
export const ENTRY_2 = `test-2:${KEY_2.toString('base64')}`;

export function ringOf(...entries: string[]): MasterKeyRing {
  return parseMasterKeys(entries.join(','));
}

/** A reproducible random source: SHA-256("<label>:<n>") for the n-th block of output. */
export function seededRandom(label: string): RandomSource {
  let counter = 0;
  return (size) => {
    const blocks: Buffer[] = [];
    for (let have = 0; have < size; have += 32) {
      blocks.push(createHash('sha256').update(`${label}:${counter++}`).digest());
    }
    return Buffer.concat(blocks).subarray(0, size);
  };
}

/** Plaintext whose every byte depends on its offset, so a misplaced byte shows. */
export function patterned(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 8) * 7 + seed) & 0xff;
  return bytes;
}

export function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export function memorySource(blob: Buffer): CiphertextSource {
  return { read: async (offset, length) => blob.subarray(offset, offset + length) };
}

/** A source that streams its range in small odd-sized chunks, as a network reply does. */
export function streamSource(blob: Buffer, chunkSize = 1000): CiphertextSource {
  return {
    open: (offset, length) => {
      const range = blob.subarray(offset, offset + length);
      const chunks: Buffer[] = [];
      for (let at = 0; at < range.length; at += chunkSize) {
        chunks.push(range.subarray(at, at + chunkSize));
      }
      return Readable.from(chunks);
    },
  };
}

export interface Encrypted {
  blob: Buffer;
  dataKey: KeyObject;
  sha256: Buffer;
}

export interface EncryptOptions {
  ring?: MasterKeyRing;
  binding?: string;
  segmentSize?: number;
  random?: RandomSource;
  chunkSize?: number;
  dataKey?: KeyObject;
}

/** A whole blob written in one request: header, then every segment. */
export function encryptBlob(plaintext: Buffer, options: EncryptOptions = {}): Encrypted {
  const ring = options.ring ?? ringOf(ENTRY_1);
  const segmentSize = options.segmentSize ?? SEGMENT_SIZE;
  const dataKey = options.dataKey ?? newDataKey(options.random);
  const header = wrapDataKey(ring, dataKey, options.binding ?? 'blob-a', {
    segmentSize,
    random: options.random,
  });
  const encryptor = SegmentEncryptor.start({
    dataKey,
    totalSize: plaintext.length,
    segmentSize,
    random: options.random,
  });

  const parts = [encodeHeader(header)];
  const chunkSize = options.chunkSize ?? 7919;
  for (let at = 0; at < plaintext.length; at += chunkSize) {
    parts.push(...encryptor.write(plaintext.subarray(at, at + chunkSize)));
  }
  parts.push(...encryptor.flush());
  return { blob: Buffer.concat(parts), dataKey, sha256: encryptor.sha256() };
}

export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Decrypts the whole blob with the given expectations, as a download would. */
export function readAll(
  encrypted: { blob: Buffer; dataKey: KeyObject },
  plaintextSize: number,
  segmentSize = SEGMENT_SIZE,
): Promise<Buffer> {
  return collect(
    decryptRange({
      dataKey: encrypted.dataKey,
      segmentSize,
      source: memorySource(encrypted.blob),
      plaintextSize,
      start: 0,
      end: plaintextSize,
    }),
  );
}

export async function assertDamaged(work: Promise<unknown>, part?: string): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof DamagedBlobError, `expected DamagedBlobError, got ${error}`);
    assert.equal(error.code, 'blob_damaged');
    if (part) assert.equal(error.part, part);
    return true;
  });
}
