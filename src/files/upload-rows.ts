import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import type { FileRow } from './files.js';
import { files, uploads } from './tables.js';

export type UploadRow = typeof uploads.$inferSelect;

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
        folderId: upload.folderId,
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
