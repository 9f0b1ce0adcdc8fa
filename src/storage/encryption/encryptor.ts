import { createHash, type Hash, type KeyObject } from 'node:crypto';
import type { RandomSource } from './aes-gcm.js';
import { UploadLengthExceededError } from './errors.js';
import {
  assertPlaintextSize,
  assertSegmentSize,
  HEADER_SIZE,
  NONCE_SIZE,
  SEGMENT_SIZE,
  segmentCount,
} from './format.js';
import type { ResumeState } from './resume.js';
import { sealSegment } from './segment.js';

export interface EncryptorOptions {
  dataKey: KeyObject;
  /** The declared plaintext length of the whole upload (tus Upload-Length). */
  totalSize: number;
  segmentSize?: number;
  random?: RandomSource;
}

export interface ResumeOptions extends Omit<EncryptorOptions, 'segmentSize'> {
  /** What `readResumeState` found in storage. */
  state: ResumeState;
  /** SHA-256 state over plaintext [0, state.plaintextOffset). */
  prefixHash: Hash;
}

/** The plaintext hash at the end of a request, and the stored tail it belongs to. */
export interface HashCheckpoint {
  plaintextOffset: number;
  tailNonce: Buffer | null;
  hash: Hash;
}

/**
 * Encrypts one upload request's plaintext, in chunks of any size, into stored segments.
 * `write` returns full segments as they fill; `flush`, called when the request body ends,
 * returns the final segment once the declared length is reached, otherwise the partial
 * segment sealed as a provisional, non-last segment. The next request reads that segment
 * back (see resume.ts) and seals its bytes again, with a new nonce, at the same offset.
 * One instance serves one request: after `flush` it takes no more bytes.
 */
export class SegmentEncryptor {
  private readonly segmentSize: number;
  private readonly finalIndex: number;
  private readonly pending: Buffer;
  private filled: number;
  private index: number;
  private received: number;
  private stored: number;
  private flushed = false;
  private tailNonce: Buffer | null = null;
  private digest: Buffer | null = null;

  private constructor(
    private readonly options: EncryptorOptions,
    private readonly hash: Hash,
    start: { index: number; received: number; stored: number; tail: Buffer },
  ) {
    this.segmentSize = options.segmentSize ?? SEGMENT_SIZE;
    assertSegmentSize(this.segmentSize);
    assertPlaintextSize(options.totalSize, this.segmentSize);
    this.finalIndex = segmentCount(options.totalSize, this.segmentSize) - 1;
    this.pending = Buffer.allocUnsafe(this.segmentSize);
    this.filled = start.tail.copy(this.pending);
    this.index = start.index;
    this.received = start.received;
    this.stored = start.stored;
  }

  /** A new upload; its output goes right after the header. */
  static start(options: EncryptorOptions): SegmentEncryptor {
    const start = { index: 0, received: 0, stored: HEADER_SIZE, tail: Buffer.alloc(0) };
    return new SegmentEncryptor(options, createHash('sha256'), start);
  }

  /** A later request of the same upload; its output goes at `state.truncateAt`. */
  static resume(options: ResumeOptions): SegmentEncryptor {
    const { state, prefixHash, ...rest } = options;
    if (state.plaintextOffset > rest.totalSize) throw new UploadLengthExceededError(rest.totalSize);
    const encryptor = new SegmentEncryptor(
      { ...rest, segmentSize: state.segmentSize },
      prefixHash,
      {
        index: state.fullSegments,
        received: state.plaintextOffset,
        stored: state.truncateAt,
        tail: state.complete ? Buffer.alloc(0) : state.tailPlaintext,
      },
    );
    if (state.complete) encryptor.finish();
    return encryptor;
  }

  /** Plaintext bytes of the upload taken so far (the tus offset). */
  get plaintextOffset(): number {
    return this.received;
  }

  /** Blob offset at which the next returned bytes are to be written. */
  get storedOffset(): number {
    return this.stored;
  }

  get complete(): boolean {
    return this.digest !== null;
  }

  write(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    if (this.complete || this.received + chunk.length > this.options.totalSize) {
      throw new UploadLengthExceededError(this.options.totalSize);
    }
    if (this.flushed) throw new Error('This encryptor was flushed; resume in a new one');
    this.hash.update(chunk);
    this.received += chunk.length;

    const sealed: Buffer[] = [];
    const size = this.segmentSize;
    let at = 0;
    while (at < chunk.length) {
      // The final segment waits for `flush`: only there is it sealed with the last flag.
      const sealable = this.index !== this.finalIndex;
      if (this.filled === 0 && chunk.length - at >= size && sealable) {
        sealed.push(this.seal(chunk.subarray(at, at + size), false));
        at += size;
        continue;
      }
      const taken = chunk.copy(this.pending, this.filled, at, at + size - this.filled);
      this.filled += taken;
      at += taken;
      if (this.filled === size && sealable) {
        sealed.push(this.seal(this.pending.subarray(0, size), false));
        this.filled = 0;
      }
    }
    return sealed;
  }

  flush(): Buffer[] {
    if (this.flushed || this.complete) return [];
    this.flushed = true;

    if (this.received === this.options.totalSize) {
      const final = this.seal(this.pending.subarray(0, this.filled), true);
      this.finish();
      return [final];
    }
    if (this.filled === 0) return [];
    const provisional = this.seal(this.pending.subarray(0, this.filled), false);
    this.tailNonce = Buffer.from(provisional.subarray(0, NONCE_SIZE));
    return [provisional];
  }

  /** After a pausing `flush`: the hash state to hand to the next request, if it runs here. */
  checkpoint(): HashCheckpoint {
    if (!this.flushed || this.complete) throw new Error('Only a paused encryptor has a checkpoint');
    return { plaintextOffset: this.received, tailNonce: this.tailNonce, hash: this.hash.copy() };
  }

  /** SHA-256 of the whole plaintext, once the final segment is sealed. */
  sha256(): Buffer {
    if (!this.digest) throw new Error('The upload is not complete');
    return Buffer.from(this.digest);
  }

  private finish(): void {
    this.flushed = true;
    this.digest = this.hash.digest();
  }

  private seal(plaintext: Buffer, last: boolean): Buffer {
    const { dataKey, random } = this.options;
    const segment = sealSegment(dataKey, this.index, last, plaintext, random);
    this.stored += segment.length;
    if (!last && plaintext.length === this.segmentSize) this.index += 1;
    return segment;
  }
}
