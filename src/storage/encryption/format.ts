import { DamagedBlobError } from './errors.js';

/**
 * Geometry of an encrypted blob: a fixed-size header, then segments. Every segment but the
 * last holds `segmentSize` bytes of plaintext, so segment i always starts at
 * HEADER_SIZE + i * (segmentSize + SEGMENT_OVERHEAD) and a Range touches only its segments.
 * Offsets here are plain numbers: safe up to 2^53 bytes, far beyond any file we keep.
 */

export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 256;
export const SEGMENT_SIZE = 64 * 1024;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
export const SEGMENT_OVERHEAD = NONCE_SIZE + TAG_SIZE;

const MIN_SEGMENT_SIZE = 16;
const MAX_SEGMENT_SIZE = 16 * 1024 * 1024;

/**
 * NIST SP 800-38D §8.3: with random nonces, one key may seal at most 2^32 messages. A file
 * uses one seal per segment plus one per paused upload request, so the segment count is
 * capped at 2^31 and the other half of the budget is left to pauses.
 */
export const MAX_SEGMENTS = 2 ** 31;

export function isValidSegmentSize(size: number): boolean {
  const powerOfTwo = Number.isInteger(size) && size > 0 && (size & (size - 1)) === 0;
  return powerOfTwo && size >= MIN_SEGMENT_SIZE && size <= MAX_SEGMENT_SIZE;
}

export function assertSegmentSize(size: number): void {
  if (!isValidSegmentSize(size)) {
    throw new RangeError(`Segment size must be a power of two from 16 B to 16 MiB, got ${size}`);
  }
}

/** A zero-length file still has one (empty, last) segment, so truncation to zero shows. */
export function segmentCount(plaintextSize: number, segmentSize = SEGMENT_SIZE): number {
  return plaintextSize === 0 ? 1 : Math.ceil(plaintextSize / segmentSize);
}

export function assertPlaintextSize(plaintextSize: number, segmentSize = SEGMENT_SIZE): void {
  if (!Number.isSafeInteger(plaintextSize) || plaintextSize < 0) {
    throw new RangeError(`Plaintext size must be a non-negative integer, got ${plaintextSize}`);
  }
  if (segmentCount(plaintextSize, segmentSize) > MAX_SEGMENTS) {
    throw new RangeError('Plaintext size exceeds the segment budget of one data key');
  }
}

export function ciphertextSize(plaintextSize: number, segmentSize = SEGMENT_SIZE): number {
  assertSegmentSize(segmentSize);
  assertPlaintextSize(plaintextSize, segmentSize);
  return HEADER_SIZE + plaintextSize + segmentCount(plaintextSize, segmentSize) * SEGMENT_OVERHEAD;
}

/** The plaintext size of a complete blob; throws `DamagedBlobError` for impossible sizes. */
export function plaintextSize(ciphertextSize: number, segmentSize = SEGMENT_SIZE): number {
  assertSegmentSize(segmentSize);
  const stored = segmentSize + SEGMENT_OVERHEAD;
  const body = ciphertextSize - HEADER_SIZE;
  if (!Number.isSafeInteger(ciphertextSize) || body < SEGMENT_OVERHEAD) {
    throw new DamagedBlobError('length', `A blob of ${ciphertextSize} bytes is impossible`);
  }

  const full = Math.floor(body / stored);
  const rest = body % stored;
  if (rest === 0) return full * segmentSize;
  // A partial last segment holds at least one byte; only an empty file has an empty one.
  const emptyTailAfterData = rest === SEGMENT_OVERHEAD && full > 0;
  if (rest < SEGMENT_OVERHEAD || emptyTailAfterData) {
    throw new DamagedBlobError('length', `A blob of ${ciphertextSize} bytes is impossible`);
  }
  return full * segmentSize + rest - SEGMENT_OVERHEAD;
}

/** Where segment `index` starts in the blob. */
export function segmentOffset(index: number, segmentSize = SEGMENT_SIZE): number {
  return HEADER_SIZE + index * (segmentSize + SEGMENT_OVERHEAD);
}

/** Plaintext length held by segment `index` of a complete file. */
export function segmentPlaintextLength(
  index: number,
  plaintextSize: number,
  segmentSize = SEGMENT_SIZE,
): number {
  return Math.min(segmentSize, plaintextSize - index * segmentSize);
}

export interface SegmentRange {
  /** First and last (inclusive) segment indexes to read. */
  first: number;
  last: number;
  /** The ciphertext bytes to read: [offset, offset + length). */
  offset: number;
  length: number;
  /** Plaintext bytes to drop from the start of the first segment. */
  skip: number;
}

/**
 * The segments holding plaintext bytes [start, end) (end exclusive) of a file of
 * `plaintextSize` bytes. The whole of an empty file is [0, 0) and maps to its one segment.
 */
export function segmentRange(
  start: number,
  end: number,
  plaintextSize: number,
  segmentSize = SEGMENT_SIZE,
): SegmentRange {
  assertSegmentSize(segmentSize);
  assertPlaintextSize(plaintextSize, segmentSize);
  const wholeEmptyFile = plaintextSize === 0 && start === 0 && end === 0;
  const valid = Number.isSafeInteger(start) && Number.isSafeInteger(end);
  if (!wholeEmptyFile && (!valid || start < 0 || start >= end || end > plaintextSize)) {
    throw new RangeError(`Range [${start}, ${end}) is not inside a file of ${plaintextSize} bytes`);
  }

  const first = Math.floor(start / segmentSize);
  const last = wholeEmptyFile ? 0 : Math.floor((end - 1) / segmentSize);
  const offset = segmentOffset(first, segmentSize);
  const lastLength = segmentPlaintextLength(last, plaintextSize, segmentSize) + SEGMENT_OVERHEAD;
  const length = segmentOffset(last, segmentSize) + lastLength - offset;
  return { first, last, offset, length, skip: start - first * segmentSize };
}

export interface ResumePoint {
  segmentSize: number;
  /** Full segments already stored; they are final and never rewritten. */
  fullSegments: number;
  /** Where the full segments end: the caller truncates here before writing again. */
  truncateAt: number;
  /** Bytes stored after `truncateAt`: a provisional segment, or a torn write. */
  tailLength: number;
}

/**
 * Reads an upload in progress from its stored size alone. Stored segments of full length
 * are final; whatever follows them is the provisional tail (or the remains of a torn write,
 * which `openTail` detects and drops).
 */
export function resumePoint(storedSize: number, segmentSize = SEGMENT_SIZE): ResumePoint {
  assertSegmentSize(segmentSize);
  if (!Number.isSafeInteger(storedSize) || storedSize < HEADER_SIZE) {
    throw new DamagedBlobError('length', `An upload of ${storedSize} bytes has no whole header`);
  }

  const stored = segmentSize + SEGMENT_OVERHEAD;
  const fullSegments = Math.floor((storedSize - HEADER_SIZE) / stored);
  const truncateAt = segmentOffset(fullSegments, segmentSize);
  return { segmentSize, fullSegments, truncateAt, tailLength: storedSize - truncateAt };
}

/** AAD of a segment: its index (uint64, big-endian) and a last-segment flag (one byte). */
export function segmentAad(index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index), 0);
  aad.writeUInt8(last ? 1 : 0, 8);
  return aad;
}
