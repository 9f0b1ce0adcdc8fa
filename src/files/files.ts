import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { files, uploads } from './tables.js';

export type FileRow = typeof files.$inferSelect;

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function listFiles(db: Database, userId: string): Promise<FileRow[]> {
  return db.select().from(files).where(eq(files.userId, userId)).orderBy(desc(files.createdAt));
}

/** Looked up with its owner: another user's id is answered exactly like a missing one. */
export async function getFile(db: Database, userId: string, fileId: string): Promise<FileRow> {
  if (!UUID_SHAPE.test(fileId)) throw new AppError('file_not_found');
  const [file] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), eq(files.userId, userId)));
  if (!file) throw new AppError('file_not_found');
  return file;
}

/** Removes the row; the caller then removes the bytes (bytes without a row are garbage). */
export async function deleteFile(db: Database, userId: string, fileId: string): Promise<FileRow> {
  if (!UUID_SHAPE.test(fileId)) throw new AppError('file_not_found');
  const [file] = await db
    .delete(files)
    .where(and(eq(files.id, fileId), eq(files.userId, userId)))
    .returning();
  if (!file) throw new AppError('file_not_found');
  return file;
}

/** Bytes counted against the quota: finished files and the full length of uploads under way. */
export async function usedBytes(db: Database, userId: string): Promise<number> {
  const [stored] = await db
    .select({ bytes: sql<string>`COALESCE(SUM(${files.size}), 0)` })
    .from(files)
    .where(eq(files.userId, userId));
  const [pending] = await db
    .select({ bytes: sql<string>`COALESCE(SUM(${uploads.length}), 0)` })
    .from(uploads)
    .where(eq(uploads.userId, userId));
  return Number(stored?.bytes ?? 0) + Number(pending?.bytes ?? 0);
}
