import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobCodec, StoredUpload, UploadCheckpoint } from './blob-codec.js';
import { BlobNotFoundError, type BlobStore, type ByteRange } from './blob-store.js';
import { UploadLengthExceededError } from './encryption/index.js';
import { appendBody, type UploadWriter } from './upload-append.js';

interface PlainCheckpoint extends UploadCheckpoint {
  hash: Hash;
}

/**
 * Benchmarks only: the same upload and download path with the plaintext stored as it is,
 * so that a run can show what encryption costs. Nothing outside bench code constructs it,
 * and no setting or variable can select it.
 */
export class PlainCodecForBenchmarks implements BlobCodec {
  constructor(private readonly blobs: BlobStore) {}

  async beginUpload(blobKey: string, totalSize: number): Promise<{ sha256: string | null }> {
    await this.blobs.append(blobKey, Readable.from([]));
    return { sha256: totalSize === 0 ? createHash('sha256').digest('hex') : null };
  }

  async readUpload(blobKey: string, totalSize: number): Promise<StoredUpload> {
    const stat = await this.blobs.stat(blobKey);
    if (!stat) throw new BlobNotFoundError(blobKey);
    const offset = stat.size;

    const resume = async (checkpoint: UploadCheckpoint | undefined) => {
      const saved = checkpoint as PlainCheckpoint | undefined;
      const hash =
        saved?.plaintextOffset === offset
          ? saved.hash.copy()
          : await this.hashPrefix(blobKey, offset);
      return plainWriter(hash, offset, totalSize);
    };
    const target = { blobs: this.blobs, blobKey, storedSize: offset, cutAt: offset };

    return {
      offset,
      complete: offset === totalSize,
      append: async (body, checkpoint) => appendBody(target, await resume(checkpoint), body),
      sha256: async (checkpoint) => (await resume(checkpoint)).sha256(),
    };
  }

  async read(blobKey: string, _plaintextSize: number, range?: ByteRange): Promise<Readable> {
    return this.blobs.get(blobKey, range);
  }

  private async hashPrefix(blobKey: string, size: number): Promise<Hash> {
    const hash = createHash('sha256');
    if (size === 0) return hash;
    for await (const chunk of await this.blobs.get(blobKey, { start: 0, end: size - 1 })) {
      hash.update(chunk as Buffer);
    }
    return hash;
  }
}

function plainWriter(hash: Hash, startOffset: number, totalSize: number): UploadWriter {
  let offset = startOffset;
  let digest: string | null = startOffset === totalSize ? hash.digest('hex') : null;
  return {
    get plaintextOffset() {
      return offset;
    },
    totalSize,
    get complete() {
      return digest !== null;
    },
    write(chunk) {
      if (offset + chunk.length > totalSize) throw new UploadLengthExceededError(totalSize);
      hash.update(chunk);
      offset += chunk.length;
      if (offset === totalSize) digest = hash.digest('hex');
      return [chunk];
    },
    flush: () => [],
    sha256() {
      if (digest === null) throw new Error('The upload is not complete');
      return digest;
    },
    checkpoint: (): PlainCheckpoint => ({ plaintextOffset: offset, hash: hash.copy() }),
  };
}
