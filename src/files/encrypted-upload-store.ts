import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import type { BlobCodec, StoredUpload, UploadCheckpoint } from '../storage/blob-codec.js';
import { BlobNotFoundError, type BlobStore } from '../storage/blob-store.js';
import {
  DamagedBlobError,
  MasterKeyUnknownError,
  UnsupportedBlobFormatError,
  UploadLengthExceededError,
} from '../storage/encryption/index.js';
import {
  completeUpload,
  findFinishedUpload,
  findUpload,
  forgetExpiredUploads,
  forgetUpload,
  recordUploadHash,
  type UploadRow,
} from './upload-rows.js';

export interface UploadStoreOptions {
  db: Database;
  blobs: BlobStore;
  codec: BlobCodec;
  expiryMs: number;
  log: FastifyBaseLogger;
}

/** Hash checkpoints kept; one dropped costs its upload a re-read of what it stored. */
const MAX_CHECKPOINTS = 10_000;

/**
 * The tus data store: each PATCH body is encrypted as it streams in and appended to the
 * upload's blob, so only ciphertext is ever stored and the last request needs no extra
 * pass. Where an upload stands is read back from its blob on every request, so any
 * instance can take the next one; the uploads table holds the rest (owner, length, blob
 * key). The only state in memory is a hash checkpoint, which saves re-reading the blob
 * when the next request of an upload comes back to this process.
 */
export class EncryptedUploadStore extends DataStore {
  private readonly checkpoints = new Map<string, UploadCheckpoint>();
  /** Writes still storing bytes, awaited on shutdown so a cut request keeps what arrived. */
  private readonly writing = new Set<Promise<unknown>>();
  /**
   * Why the last write of an upload failed, when the storage refused it. @tus/server reports
   * a write that rejects mid-body as an aborted request (its stream pipeline surfaces an
   * AbortError), so the refusal itself is kept here for the answer to name it.
   */
  private readonly refusals = new Map<string, unknown>();
  /** Failures of the request body itself (the client went away): never a refusal. */
  private readonly bodyFailures = new WeakSet<object>();

  constructor(private readonly options: UploadStoreOptions) {
    super();
    // No creation-defer-length: the quota is checked against the length before any byte
    // is stored. No concatenation: a blob grows only at its end.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  /** The upload row is made first (onUploadCreate checks the quota); this writes its header. */
  override async create(upload: Upload): Promise<Upload> {
    const row = await findUpload(this.options.db, upload.id);
    if (!row) throw new AppError('upload_not_found');
    const { sha256 } = await this.options.codec.beginUpload(row.blobKey, row.length);
    if (sha256) await recordUploadHash(this.options.db, row.id, sha256);
    upload.creation_date = row.createdAt.toISOString();
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const row = await findUpload(this.options.db, id);
    if (!row) return this.finishedUpload(id);

    const stored = await this.readStored(row);
    if (stored.complete) {
      // Every byte is stored but the request that stored them failed before the upload
      // became a file. The client will be told the upload is whole, so finish it now.
      const sha256 = row.sha256 ?? (await this.guard(row, stored.sha256(this.checkpoints.get(id))));
      await completeUpload(this.options.db, id, sha256);
      this.checkpoints.delete(id);
    }
    return describe(row, stored.offset);
  }

  override write(body: Readable, id: string, offset: number): Promise<number> {
    this.refusals.delete(id);
    const work = this.store(body, id, offset);
    const tracked = work.catch((error) => {
      const fromStorage = !this.bodyFailures.has(error as object);
      if (fromStorage && this.refusals.size < MAX_CHECKPOINTS) this.refusals.set(id, error);
    });
    this.writing.add(tracked);
    void tracked.then(() => this.writing.delete(tracked));
    return work;
  }

  /** The storage's refusal of the upload's last write, once; see `refusals`. */
  takeRefusal(id: string): unknown {
    const refusal = this.refusals.get(id);
    this.refusals.delete(id);
    return refusal;
  }

  /** Resolves once every write under way has stored what it received. */
  async settle(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing);
  }

  private async store(body: Readable, id: string, offset: number): Promise<number> {
    const row = await findUpload(this.options.db, id);
    if (!row) return this.writeToFinished(id, offset);

    const stored = await this.readStored(row);
    // tus 1.0, PATCH: "If the offsets do not match, the Server MUST respond with the
    // 409 Conflict status without modifying the upload resource."
    if (offset !== stored.offset) throw ERRORS.INVALID_OFFSET;

    const outcome = await this.guard(row, stored.append(body, this.checkpoints.get(id)));
    if (outcome.sha256) {
      await recordUploadHash(this.options.db, id, outcome.sha256);
      this.checkpoints.delete(id);
    } else if (outcome.checkpoint) {
      this.remember(id, outcome.checkpoint);
    }
    if (outcome.failure instanceof UploadLengthExceededError) throw ERRORS.ERR_SIZE_EXCEEDED;
    if (outcome.failure !== undefined) {
      if (outcome.failure instanceof Object) this.bodyFailures.add(outcome.failure);
      throw outcome.failure;
    }
    return outcome.offset;
  }

  override async remove(id: string): Promise<void> {
    const row = await forgetUpload(this.options.db, id);
    if (!row) throw ERRORS.FILE_NOT_FOUND;
    this.checkpoints.delete(id);
    // The row went first: from here on the bytes are garbage, never a listed upload.
    await this.options.blobs.delete(row.blobKey);
  }

  override async declareUploadLength(): Promise<void> {
    throw ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION;
  }

  override async deleteExpired(): Promise<number> {
    const expired = await forgetExpiredUploads(this.options.db, new Date());
    for (const row of expired) {
      this.checkpoints.delete(row.id);
      await this.options.blobs.delete(row.blobKey);
    }
    return expired.length;
  }

  override getExpiration(): number {
    return this.options.expiryMs;
  }

  /** A finished upload still answers HEAD with offset = length, as tus expects. */
  private async finishedUpload(id: string): Promise<Upload> {
    const file = await findFinishedUpload(this.options.db, id);
    if (!file) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({
      id,
      size: file.size,
      offset: file.size,
      metadata: { filename: file.name },
      creation_date: file.createdAt.toISOString(),
    });
  }

  /** A retried last request, after its upload became a file: nothing more to store. */
  private async writeToFinished(id: string, offset: number): Promise<number> {
    const file = await findFinishedUpload(this.options.db, id);
    if (!file) throw ERRORS.FILE_NOT_FOUND;
    if (offset !== file.size) throw ERRORS.INVALID_OFFSET;
    return file.size;
  }

  private readStored(row: UploadRow): Promise<StoredUpload> {
    return this.guard(row, this.options.codec.readUpload(row.blobKey, row.length));
  }

  /** Storage failures become the catalog's errors, logged once here with their cause. */
  private async guard<T>(row: UploadRow, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      const log = this.options.log;
      if (error instanceof MasterKeyUnknownError) {
        log.error({ category: 'storage', uploadId: row.id, keyId: error.keyId }, error.message);
        throw new AppError('storage_key_missing');
      }
      const damaged =
        error instanceof DamagedBlobError ||
        error instanceof UnsupportedBlobFormatError ||
        error instanceof BlobNotFoundError;
      if (!damaged) throw error;
      log.error({ category: 'storage', uploadId: row.id, err: error }, 'upload blob damaged');
      throw new AppError('upload_damaged');
    }
  }

  private remember(id: string, checkpoint: UploadCheckpoint): void {
    this.checkpoints.delete(id);
    this.checkpoints.set(id, checkpoint);
    if (this.checkpoints.size > MAX_CHECKPOINTS) {
      const oldest = this.checkpoints.keys().next().value;
      if (oldest !== undefined) this.checkpoints.delete(oldest);
    }
  }
}

function describe(row: UploadRow, offset: number): Upload {
  return new Upload({
    id: row.id,
    size: row.length,
    offset,
    metadata: { filename: row.name },
    creation_date: row.createdAt.toISOString(),
  });
}
