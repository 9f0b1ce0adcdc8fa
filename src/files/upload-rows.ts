import { and, eq, lt } from 'drizzle-orm';
import { users } from '../accounts/tables.js';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { newBlobKey } from '../storage/blob-store.js';
import { type FileRow, usedBytes } from './files.js';
import { files, uploads } from './tables.js';

export type UploadRow = typeof uploads.$inferSelect;

/**
 * Records a new upload once its size fits the owner's quota. Its blob key is chosen here,
 * once: the blob's encryption header is bound to it.
 */
export async function reserveUpload(
  db: Database,
  upload: { id: string; userId: string; name: string; length: number; expiresAt: Date },
): Promise<UploadRow> {
  return db.transaction(async (tx) => {
    // Locking the user's row serialises concurrent creations, so two uploads cannot both
    // squeeze into the same remaining space.
    const [owner] = await tx
      .select({ quotaBytes: users.quotaBytes })
      .from(users)
      .where(eq(users.id, upload.userId))
      .for('update');
    if (!owner) throw new AppError('sign_in_required');
    const used = await usedBytes(tx as unknown as Database, upload.userId);
    if (used + upload.length > owner.quotaBytes) throw new AppError('quota_exceeded');

    const [row] = await tx
      .insert(uploads)
      .values({ ...upload, blobKey: newBlobKey() })
      .returning();
    return row!;
  });
}

export async function findUpload(db: Database, id: string): Promise<UploadRow | undefined> {
  const [row] = await db.select().from(uploads).where(eq(uploads.id, id));
  return row;
}

/** The file an upload became, if it did. */
export async function findFinishedUpload(db: Database, id: string): Promise<FileRow | undefined> {
  const [row] = await db.select().from(files).where(eq(files.uploadId, id));
  return row;
}

/** Whether `userId` owns the upload, in progress or finished. */
export async function ownsUpload(db: Database, userId: string, id: string): Promise<boolean> {
  const [pending] = await db
    .select({ id: uploads.id })
    .from(uploads)
    .where(and(eq(uploads.id, id), eq(uploads.userId, userId)));
  if (pending) return true;
  const [finished] = await db
    .select({ id: files.id })
    .from(files)
    .where(and(eq(files.uploadId, id), eq(files.userId, userId)));
  return finished !== undefined;
}

export async function recordUploadHash(db: Database, id: string, sha256: string): Promise<void> {
  await db.update(uploads).set({ sha256 }).where(eq(uploads.id, id));
}

/**
 * Turns a complete upload into a file in one transaction: the file row appears and the
 * upload row goes together, pointing at the blob exactly as it lies. Running it again for
 * the same upload (a retried request, two instances) finds the file already made.
 */
export async function completeUpload(db: Database, id: string, sha256?: string): Promise<FileRow> {
  return db.transaction(async (tx) => {
    const [upload] = await tx.delete(uploads).where(eq(uploads.id, id)).returning();
    if (!upload) {
      const [done] = await tx.select().from(files).where(eq(files.uploadId, id));
      if (!done) throw new AppError('upload_not_found');
      return done;
    }
    const hash = sha256 ?? upload.sha256;
    if (!hash) throw new Error(`Upload ${id} was completed before its last segment was stored`);

    const [file] = await tx
      .insert(files)
      .values({
        userId: upload.userId,
        name: upload.name,
        size: upload.length,
        blobKey: upload.blobKey,
        sha256: hash,
        uploadId: upload.id,
      })
      .returning();
    return file!;
  });
}

/** Forgets an upload in progress; the caller then removes its blob. */
export async function forgetUpload(db: Database, id: string): Promise<UploadRow | undefined> {
  const [row] = await db.delete(uploads).where(eq(uploads.id, id)).returning();
  return row;
}

/** Forgets the uploads left unfinished past their expiry; the caller removes their blobs. */
export async function forgetExpiredUploads(db: Database, now: Date): Promise<UploadRow[]> {
  return db.delete(uploads).where(lt(uploads.expiresAt, now)).returning();
}
