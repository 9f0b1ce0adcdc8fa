import type { Readable } from 'node:stream';
import type { BlobStore, ByteRange } from './blob-store.js';
import type { OpenCiphertext } from './encryption/index.js';

/**
 * How a file's plaintext becomes the bytes of its blob and back. The app uses the encrypting
 * codec; only benchmarks build one that stores plaintext, to measure what encryption costs.
 */
export interface BlobCodec {
  /** Writes the first bytes of a new upload's blob (for an empty file, all of them). */
  beginUpload(blobKey: string, totalSize: number): Promise<{ sha256: string | null }>;
  /** Reads where an upload in progress stands, from its blob alone. */
  readUpload(blobKey: string, totalSize: number): Promise<StoredUpload>;
  /**
   * The plaintext of a finished file, whole or an inclusive range. The first bytes are
   * checked before this resolves; damage found later destroys the stream with an error.
   */
  read(blobKey: string, plaintextSize: number, range?: ByteRange): Promise<Readable>;
}

/** What one request of an upload leaves for the next, if that one runs in this process. */
export interface UploadCheckpoint {
  readonly plaintextOffset: number;
}

export interface StoredUpload {
  /** Plaintext bytes stored and authenticated: the tus Upload-Offset. */
  readonly offset: number;
  /** True once the final segment is stored. */
  readonly complete: boolean;
  /** Stores one request body after what is stored, encrypting it as it arrives. */
  append(body: AsyncIterable<Buffer>, checkpoint?: UploadCheckpoint): Promise<AppendOutcome>;
  /** SHA-256 (hex) of a complete upload's plaintext. */
  sha256(checkpoint?: UploadCheckpoint): Promise<string>;
}

export interface AppendOutcome {
  offset: number;
  /** SHA-256 (hex) of the whole plaintext once the upload is complete; null before. */
  sha256: string | null;
  /** For the next request of this upload; absent when the body failed. */
  checkpoint: UploadCheckpoint | undefined;
  /** Why the body stopped early, if it did. What was stored before stays valid. */
  failure: unknown;
}

/** Bytes [offset, offset + length) of a blob, read as one ranged stream (disk or bucket). */
export function blobSource(blobs: BlobStore, blobKey: string): { open: OpenCiphertext } {
  return {
    open: (offset, length) => blobs.get(blobKey, { start: offset, end: offset + length - 1 }),
  };
}
