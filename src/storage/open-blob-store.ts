import { join } from 'node:path';
import type { Config } from '../config.js';
import { StorageUnavailableError } from './availability.js';
import type { BlobStore } from './blob-store.js';
import { DiskBlobStore } from './disk-store.js';
import { S3BlobStore } from './s3-store.js';

/** What the app needs of a store beyond BlobStore. */
export interface AppBlobStore extends BlobStore {
  /** Prepares the store, or fails when it cannot be used; also the health check. */
  init(signal?: AbortSignal): Promise<void>;
  close?(): void;
}

export { StorageUnavailableError };

/** The S3 bucket when S3_* is configured, `DATA_DIR/blobs` otherwise; checked before use. */
export async function openBlobStore(config: Config): Promise<AppBlobStore> {
  const store: AppBlobStore = config.s3
    ? new S3BlobStore(config.s3)
    : new DiskBlobStore(join(config.dataDir, 'blobs'));
  try {
    await store.init(AbortSignal.timeout(10_000));
  } catch (error) {
    store.close?.();
    const where = config.s3 ? 'the S3 bucket (S3_ENDPOINT, S3_BUCKET)' : 'DATA_DIR/blobs';
    // The name of the failure only: messages of some S3 errors repeat request details.
    throw new StorageUnavailableError(`Could not use ${where}: ${(error as Error).name}`);
  }
  return store;
}
