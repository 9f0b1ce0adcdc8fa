import { createHash, type Hash, type KeyObject } from 'node:crypto';
import { openAesGcm } from './aes-gcm.js';
import { type CiphertextSource, readBytes, readStoredSegments } from './blob-source.js';
import type { HashCheckpoint } from './encryptor.js';
import { DamagedBlobError } from './errors.js';
import {
  NONCE_SIZE,
  resumePoint,
  SEGMENT_OVERHEAD,
  segmentAad,
  segmentCount,
  segmentOffset,
} from './format.js';
import { openSegment } from './segment.js';

/**
 * An upload in progress, read back from storage. Full-length segments are final; what
 * follows them is either the provisional segment of the last pause, the final segment
 * (the upload completed but was not yet recorded), or a torn write, which is dropped: the
 * client sends those bytes again from the offset we report.
 */
export interface ResumeState {
  segmentSize: number;
  fullSegments: number;
  /** The tus offset: plaintext bytes stored and authenticated. */
  plaintextOffset: number;
  /** Cut the blob to this length right before writing again; new output goes here. */
  truncateAt: number;
  /** Plaintext of the provisional segment, which the next request seals again. */
  tailPlaintext: Buffer;
  /** Nonce of the provisional segment, which ties a HashCheckpoint to this exact tail. */
  tailNonce: Buffer | null;
  /** True when trailing bytes failed to open and will be cut off. */
  tailDropped: boolean;
  /** True when the final segment is already stored. */
  complete: boolean;
}

export interface ResumeInput {
  dataKey: KeyObject;
  segmentSize: number;
  /** The declared plaintext length of the upload. */
  totalSize: number;
  /** Current length of the stored blob, header included. */
  storedSize: number;
  source: CiphertextSource;
}

/** Reads at most one segment: cheap enough for every tus HEAD and PATCH. */
export async function readResumeState(input: ResumeInput): Promise<ResumeState> {
  const point = resumePoint(input.storedSize, input.segmentSize);
  const { segmentSize, fullSegments, truncateAt, tailLength } = point;
  const finalIndex = segmentCount(input.totalSize, segmentSize) - 1;
  const base = {
    segmentSize,
    fullSegments,
    plaintextOffset: fullSegments * segmentSize,
    truncateAt,
    tailPlaintext: Buffer.alloc(0),
    tailNonce: null,
    tailDropped: false,
  };
  if (fullSegments > finalIndex + 1 || (fullSegments === finalIndex + 1 && tailLength > 0)) {
    throw new DamagedBlobError('length', 'The upload holds more segments than its length allows');
  }
  if (tailLength === 0) {
    // A full-length segment at the final index is only ever written sealed as the last one.
    return { ...base, complete: input.totalSize > 0 && fullSegments === finalIndex + 1 };
  }

  const tail = await readBytes(input.source, truncateAt, tailLength);
  const tailSize = tailLength - SEGMENT_OVERHEAD;
  const isFinal =
    fullSegments === finalIndex && tailSize === input.totalSize - base.plaintextOffset;
  const plaintext = openAesGcm(input.dataKey, segmentAad(fullSegments, isFinal), tail);
  if (plaintext === null || (plaintext.length === 0 && !isFinal)) {
    return { ...base, tailDropped: true, complete: false };
  }
  if (isFinal) {
    const end = truncateAt + tailLength;
    return {
      ...base,
      plaintextOffset: input.totalSize,
      truncateAt: end,
      complete: true,
      tailPlaintext: plaintext,
    };
  }
  return {
    ...base,
    plaintextOffset: base.plaintextOffset + plaintext.length,
    tailPlaintext: plaintext,
    tailNonce: Buffer.from(tail.subarray(0, NONCE_SIZE)),
    complete: false,
  };
}

/**
 * The fast way to carry the SHA-256 across requests: the hash state the previous request
 * left in this process, if it belongs to exactly the stored state. Full segments are
 * never rewritten, so equal offsets and the same provisional nonce mean the same bytes.
 */
export function reuseCheckpoint(
  checkpoint: HashCheckpoint | undefined,
  state: ResumeState,
): Hash | undefined {
  if (!checkpoint || state.complete || checkpoint.plaintextOffset !== state.plaintextOffset) {
    return undefined;
  }
  const sameTail =
    checkpoint.tailNonce === null
      ? state.tailNonce === null
      : state.tailNonce !== null && checkpoint.tailNonce.equals(state.tailNonce);
  return sameTail ? checkpoint.hash.copy() : undefined;
}

/**
 * The slow, always correct way: decrypts the stored prefix and hashes it, authenticating
 * it on the way. Costs one read and one decryption of everything uploaded so far.
 */
export async function hashStoredPrefix(
  dataKey: KeyObject,
  state: ResumeState,
  source: CiphertextSource,
): Promise<Hash> {
  const hash = createHash('sha256');
  const size = state.segmentSize;
  const count = state.fullSegments;
  if (count > 0) {
    const stored = size + SEGMENT_OVERHEAD;
    const finalIsFull = state.complete && state.tailPlaintext.length === 0;
    const segments = readStoredSegments(source, segmentOffset(0, size), count, stored, stored);
    let index = 0;
    for await (const segment of segments) {
      hash.update(openSegment(dataKey, index, finalIsFull && index === count - 1, segment));
      index += 1;
    }
  }
  return hash.update(state.tailPlaintext);
}
