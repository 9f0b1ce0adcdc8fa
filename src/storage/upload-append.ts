import { Readable } from 'node:stream';
import type { AppendOutcome, UploadCheckpoint } from './blob-codec.js';
import type { BlobStore } from './blob-store.js';
import { UploadLengthExceededError } from './encryption/index.js';

/** What the append loop drives: the segment encryptor, or a plaintext pass-through. */
export interface UploadWriter {
  /** Plaintext bytes of the upload taken so far, this request's included. */
  readonly plaintextOffset: number;
  /** The declared plaintext length of the whole upload. */
  readonly totalSize: number;
  readonly complete: boolean;
  write(chunk: Buffer): Buffer[];
  flush(): Buffer[];
  /** Hex SHA-256 of the whole plaintext, once complete. */
  sha256(): string;
  checkpoint(): UploadCheckpoint;
}

export interface AppendTarget {
  blobs: BlobStore;
  blobKey: string;
  /** The blob's length when the request began. */
  storedSize: number;
  /** Where the writer's output goes: the blob is cut back to this length first. */
  cutAt: number;
}

/**
 * Streams one request body through `writer` into the blob. Memory holds one segment and
 * one chunk of the body; backpressure reaches the socket. Returns rather than throws when
 * the body fails, so the caller can record what was stored before reporting the failure.
 */
export async function appendBody(
  target: AppendTarget,
  writer: UploadWriter,
  body: AsyncIterable<Buffer>,
): Promise<AppendOutcome> {
  const startOffset = writer.plaintextOffset;
  let failure: unknown;
  let flushed = false;

  async function* output(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body) yield* writer.write(chunk);
    } catch (error) {
      failure = error;
      // A body cut off in transit keeps what arrived, as a provisional tail, so the client
      // resumes from there. A body that ran past the declared length keeps nothing more,
      // and a failed body never seals the final segment: only a whole request completes.
      const cutShort = writer.plaintextOffset < writer.totalSize;
      if (error instanceof UploadLengthExceededError || !cutShort) return;
    }
    // An empty request leaves the stored tail alone: sealing it again would spend a nonce.
    if (writer.plaintextOffset === startOffset) return;
    flushed = true;
    yield* writer.flush();
  }

  const segments = output();
  const first = await segments.next();
  if (!first.done) {
    // Cut lazily, right before the first new byte, so an empty or failed request loses nothing.
    if (target.storedSize > target.cutAt) await target.blobs.truncate(target.blobKey, target.cutAt);
    const stream = Readable.from(prepend(first.value, segments), { objectMode: false });
    await target.blobs.append(target.blobKey, stream);
  }

  if (failure !== undefined && !flushed) {
    return { offset: startOffset, sha256: null, checkpoint: undefined, failure };
  }
  if (writer.complete) {
    return {
      offset: writer.plaintextOffset,
      sha256: writer.sha256(),
      checkpoint: undefined,
      failure,
    };
  }
  const progressed = writer.plaintextOffset !== startOffset;
  const checkpoint = progressed ? writer.checkpoint() : undefined;
  return { offset: writer.plaintextOffset, sha256: null, checkpoint, failure };
}

/** `first`, then the rest of a generator already started. */
export async function* prepend(
  first: Buffer,
  rest: AsyncGenerator<Buffer>,
): AsyncGenerator<Buffer> {
  yield first;
  yield* rest;
}
