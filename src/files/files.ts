import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { folderPath, isUuid } from './folders.js';
import { validateFileName } from './names.js';
import { files, uploads } from './tables.js';

export type FileRow = typeof files.$inferSelect;

/**
 * A file outside the trash, looked up with its owner: another user's id, a missing one and
 * one in the trash (on its own or with a folder above it) are answered alike.
 */
export async function getFile(db: Database, userId: string, fileId: string): Promise<FileRow> {
  if (!isUuid(fileId)) throw new AppError('file_not_found');
  const [file] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), eq(files.userId, userId), isNull(files.deletedAt)));
  if (!file) throw new AppError('file_not_found');
  if (file.folderId && !(await folderPath(db, userId, file.folderId))) {
    throw new AppError('file_not_found');
  }
  return file;
}

export async function renameFile(
  db: Database,
  userId: string,
  fileId: string,
  rawName: string,
): Promise<FileRow> {
  const name = validateFileName(rawName);
  await getFile(db, userId, fileId);
  const [file] = await db
    .update(files)
    .set({ name })
    .where(and(eq(files.id, fileId), eq(files.userId, userId)))
    .returning();
  if (!file) throw new AppError('file_not_found');
  return file;
}

/** Puts a file in the trash; its bytes stay, and still count, until the trash is emptied. */
export async function trashFile(db: Database, userId: string, fileId: string): Promise<FileRow> {
  await getFile(db, userId, fileId);
  const [file] = await db
    .update(files)
    .set({ deletedAt: new Date() })
    .where(and(eq(files.id, fileId), eq(files.userId, userId), isNull(files.deletedAt)))
    .returning();
  if (!file) throw new AppError('file_not_found');
  return file;
}

/**
 * Bytes counted against the quota: every stored file, those in the trash included, and the
 * full length of uploads under way.
 */
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
