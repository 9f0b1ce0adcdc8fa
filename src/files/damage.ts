import { eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { BlobNotFoundError } from '../storage/blob-store.js';
import {
  DamagedBlobError,
  MasterKeyUnknownError,
  UnsupportedBlobFormatError,
} from '../storage/encryption/index.js';
import { files } from './tables.js';

/** Stored bytes that cannot be trusted: altered, cut, extended, swapped or gone. */
export function isDamage(error: unknown): boolean {
  return (
    error instanceof DamagedBlobError ||
    error instanceof UnsupportedBlobFormatError ||
    error instanceof BlobNotFoundError
  );
}

/**
 * Logs a file found damaged and remembers it, so that every later request is told at once
 * rather than handed bytes until the broken segment. `khaznati keys verify` clears the mark
 * of a file that checks out whole again.
 */
export async function reportDamage(
  log: FastifyBaseLogger,
  db: Database,
  fileId: string,
  error: unknown,
): Promise<void> {
  const part = error instanceof DamagedBlobError ? error.part : undefined;
  const segment = error instanceof DamagedBlobError ? error.segmentIndex : undefined;
  log.error(
    { category: 'storage', fileId, part, segment },
    'stored file failed its integrity check',
  );
  await db
    .update(files)
    .set({ damagedAt: new Date() })
    .where(eq(files.id, fileId))
    .catch((err) => log.error({ category: 'db', err }, 'could not mark the file damaged'));
}

/** Turns a failure to open a stored file into what the person is told. */
export async function storageFailure(
  log: FastifyBaseLogger,
  db: Database,
  fileId: string,
  error: unknown,
): Promise<unknown> {
  if (error instanceof MasterKeyUnknownError) {
    log.error({ category: 'storage', fileId, keyId: error.keyId }, error.message);
    return new AppError('storage_key_missing');
  }
  if (!isDamage(error)) return error;
  await reportDamage(log, db, fileId, error);
  return new AppError('file_damaged');
}

export async function setFileDamaged(db: Database, fileId: string, damaged: boolean) {
  await db
    .update(files)
    .set({ damagedAt: damaged ? new Date() : null })
    .where(eq(files.id, fileId));
}
