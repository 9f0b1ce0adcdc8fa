import { Readable } from 'node:stream';
import type { BlobCodec, StoredUpload, UploadCheckpoint } from './blob-codec.js';
import { blobSource } from './blob-codec.js';
import { BlobNotFoundError, type BlobStore, type ByteRange } from './blob-store.js';
import {
  ciphertextSize,
  DamagedBlobError,
  decryptRangeChunks,
  encodeHeader,
  type HashCheckpoint,
  hashStoredPrefix,
  type MasterKeyRing,
  newDataKey,
  openBlob,
  readResumeState,
  reuseCheckpoint,
  SEGMENT_SIZE,
  SegmentEncryptor,
  wrapDataKey,
} from './encryption/index.js';
import { appendBody, prepend, type UploadWriter } from './upload-append.js';

/**
 * Files encrypted at rest (docs/ENCRYPTION.md): each blob opens with a header holding its
 * wrapped data key, bound to the blob's key, followed by AES-256-GCM segments. Uploads are
 * encrypted as they arrive; a finished upload's blob is the file, as it lies.
 */
export class EncryptingCodec implements BlobCodec {
  constructor(
    private readonly blobs: BlobStore,
    private readonly ring: MasterKeyRing,
    private readonly segmentSize = SEGMENT_SIZE,
  ) {}

  async beginUpload(blobKey: string, totalSize: number): Promise<{ sha256: string | null }> {
    const dataKey = newDataKey();
    const segmentSize = this.segmentSize;
    const header = encodeHeader(wrapDataKey(this.ring, dataKey, blobKey, { segmentSize }));
    const encryptor = SegmentEncryptor.start({ dataKey, totalSize, segmentSize });
    // The header is an append of its own, so no later append can tear it.
    await this.blobs.append(blobKey, Readable.from([header]));
    if (totalSize > 0) return { sha256: null };

    await this.blobs.append(blobKey, Readable.from(encryptor.flush()));
    return { sha256: encryptor.sha256().toString('hex') };
  }

  async readUpload(blobKey: string, totalSize: number): Promise<StoredUpload> {
    const stat = await this.blobs.stat(blobKey);
    if (!stat) throw new BlobNotFoundError(blobKey);
    const source = blobSource(this.blobs, blobKey);
    const { header, dataKey } = await openBlob(this.ring, blobKey, source);
    const segmentSize = header.segmentSize;
    const storedSize = stat.size;
    const state = await readResumeState({ dataKey, segmentSize, totalSize, storedSize, source });

    const resume = async (checkpoint: UploadCheckpoint | undefined) => {
      const prefixHash =
        reuseCheckpoint(checkpoint as HashCheckpoint | undefined, state) ??
        (await hashStoredPrefix(dataKey, state, source));
      return SegmentEncryptor.resume({ dataKey, totalSize, state, prefixHash });
    };
    const target = { blobs: this.blobs, blobKey, storedSize, cutAt: state.truncateAt };

    return {
      offset: state.plaintextOffset,
      complete: state.complete,
      append: async (body, checkpoint) =>
        appendBody(target, writerOf(await resume(checkpoint), totalSize), body),
      sha256: async (checkpoint) => (await resume(checkpoint)).sha256().toString('hex'),
    };
  }

  async read(blobKey: string, plaintextSize: number, range?: ByteRange): Promise<Readable> {
    const source = blobSource(this.blobs, blobKey);
    const [stat, { header, dataKey }] = await Promise.all([
      this.blobs.stat(blobKey),
      openBlob(this.ring, blobKey, source),
    ]);
    const expected = ciphertextSize(plaintextSize, header.segmentSize);
    if (stat?.size !== expected) {
      const found = `${stat?.size ?? 0} bytes where ${expected} were expected`;
      throw new DamagedBlobError('length', `The blob has ${found}`);
    }

    const chunks = decryptRangeChunks({
      dataKey,
      segmentSize: header.segmentSize,
      source,
      plaintextSize,
      start: range?.start ?? 0,
      end: range ? range.end + 1 : plaintextSize,
    });
    // The first segment is authenticated before anything is promised to the client.
    const first = await chunks.next();
    return Readable.from(first.done ? [] : prepend(first.value, chunks), { objectMode: false });
  }
}

function writerOf(encryptor: SegmentEncryptor, totalSize: number): UploadWriter {
  return {
    get plaintextOffset() {
      return encryptor.plaintextOffset;
    },
    totalSize,
    get complete() {
      return encryptor.complete;
    },
    write: (chunk) => encryptor.write(chunk),
    flush: () => encryptor.flush(),
    sha256: () => encryptor.sha256().toString('hex'),
    checkpoint: () => encryptor.checkpoint(),
  };
}
