import { createHash, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { type CiphertextSource, readBytes, readStoredSegments } from './blob-source.js';
import { unwrapDataKey } from './data-key.js';
import { DamagedBlobError, MasterKeyUnknownError, UnsupportedBlobFormatError } from './errors.js';
import {
  ciphertextSize,
  HEADER_SIZE,
  SEGMENT_OVERHEAD,
  SEGMENT_SIZE,
  type SegmentRange,
  segmentCount,
  segmentPlaintextLength,
  segmentRange,
} from './format.js';
import { type BlobHeader, decodeHeader } from './header.js';
import type { MasterKeyRing } from './keys.js';
import { openSegment } from './segment.js';

export interface OpenedBlob {
  header: BlobHeader;
  dataKey: KeyObject;
}

/** Reads and checks the header, then unwraps the data key bound to `binding`. */
export async function openBlob(
  ring: MasterKeyRing,
  binding: string,
  source: CiphertextSource,
): Promise<OpenedBlob> {
  const header = decodeHeader(await readBytes(source, 0, HEADER_SIZE));
  return { header, dataKey: unwrapDataKey(ring, header, binding) };
}

export interface DecryptRangeOptions {
  dataKey: KeyObject;
  /** The header's segment size. */
  segmentSize?: number;
  source: CiphertextSource;
  /** Plaintext size of the whole file, as recorded with it. */
  plaintextSize: number;
  /** First plaintext byte wanted. */
  start: number;
  /** One past the last byte wanted: the HTTP range `a-b` is start a, end b + 1. */
  end: number;
}

/**
 * Exactly the plaintext bytes [start, end), reading only the segments they overlap and
 * holding about one segment at a time. A segment that fails authentication destroys the
 * stream with `DamagedBlobError`: the reader sees an error, never a clean end.
 */
export function decryptRange(options: DecryptRangeOptions): Readable {
  return Readable.from(decryptRangeChunks(options), { objectMode: false });
}

/**
 * `decryptRange` as an async generator, for a caller that wants to see the first segment
 * authenticated before it commits to a response. A range outside the file throws here.
 */
export function decryptRangeChunks(options: DecryptRangeOptions): AsyncGenerator<Buffer> {
  const { start, end, plaintextSize } = options;
  const emptyRange = start === end && plaintextSize > 0;
  if (emptyRange && Number.isSafeInteger(start) && start >= 0 && start <= plaintextSize) {
    return (async function* () {})();
  }
  const range = segmentRange(start, end, plaintextSize, options.segmentSize ?? SEGMENT_SIZE);
  return decryptSegments(options, range);
}

async function* decryptSegments(
  options: DecryptRangeOptions,
  range: SegmentRange,
): AsyncGenerator<Buffer> {
  const size = options.segmentSize ?? SEGMENT_SIZE;
  const finalIndex = segmentCount(options.plaintextSize, size) - 1;
  const lastLength = segmentPlaintextLength(range.last, options.plaintextSize, size);
  const count = range.last - range.first + 1;
  const segments = readStoredSegments(
    options.source,
    range.offset,
    count,
    size + SEGMENT_OVERHEAD,
    lastLength + SEGMENT_OVERHEAD,
  );

  let index = range.first;
  let skip = range.skip;
  let remaining = options.end - options.start;
  for await (const segment of segments) {
    const plaintext = openSegment(options.dataKey, index, index === finalIndex, segment);
    const piece = plaintext.subarray(skip, skip + remaining);
    index += 1;
    skip = 0;
    remaining -= piece.length;
    if (piece.length > 0) yield piece;
  }
}

export interface VerifyOptions {
  ring: MasterKeyRing;
  binding: string;
  source: CiphertextSource;
  plaintextSize: number;
  /** The blob's stored length, when known: bytes appended after the last segment show. */
  storedSize?: number;
}

export type VerifyResult =
  | { ok: true; keyId: string; sha256: Buffer }
  | { ok: false; error: DamagedBlobError | UnsupportedBlobFormatError | MasterKeyUnknownError };

/** Decrypts a whole blob and says whether every byte of it is intact, with its SHA-256. */
export async function verifyBlob(options: VerifyOptions): Promise<VerifyResult> {
  try {
    const { header, dataKey } = await openBlob(options.ring, options.binding, options.source);
    const expected = ciphertextSize(options.plaintextSize, header.segmentSize);
    if (options.storedSize !== undefined && options.storedSize !== expected) {
      const found = `${options.storedSize} bytes where ${expected} were expected`;
      throw new DamagedBlobError('length', `The blob has ${found}`);
    }

    const hash = createHash('sha256');
    const whole = { start: 0, end: options.plaintextSize, segmentSize: header.segmentSize };
    const range = segmentRange(0, options.plaintextSize, options.plaintextSize, header.segmentSize);
    for await (const piece of decryptSegments({ ...options, ...whole, dataKey }, range)) {
      hash.update(piece);
    }
    return { ok: true, keyId: header.keyId, sha256: hash.digest() };
  } catch (error) {
    const known =
      error instanceof DamagedBlobError ||
      error instanceof UnsupportedBlobFormatError ||
      error instanceof MasterKeyUnknownError;
    if (known) return { ok: false, error };
    throw error;
  }
}
