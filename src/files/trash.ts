import { and, desc, eq, isNotNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { FileRow } from './files.js';
import { type FolderRow, folderPath, isUuid } from './folders.js';
import { files, folders } from './tables.js';

export const TRASH_RETENTION_MS = 30 * 24 * 3600_000;
const TRASH_PAGE_SIZE = 200;

export interface TrashListing {
  folders: FolderRow[];
  files: FileRow[];
  more: boolean;
}

/** What the person put in the trash, newest first. */
export async function listTrash(db: Database, userId: string): Promise<TrashListing> {
  const [trashedFolders, trashedFiles] = await Promise.all([
    db
      .select()
      .from(folders)
      .where(and(eq(folders.userId, userId), isNotNull(folders.deletedAt)))
      .orderBy(desc(folders.deletedAt), folders.id)
      .limit(TRASH_PAGE_SIZE + 1),
    db
      .select()
      .from(files)
      .where(and(eq(files.userId, userId), isNotNull(files.deletedAt)))
      .orderBy(desc(files.deletedAt), files.id)
      .limit(TRASH_PAGE_SIZE + 1),
  ]);
  return {
    folders: trashedFolders.slice(0, TRASH_PAGE_SIZE),
    files: trashedFiles.slice(0, TRASH_PAGE_SIZE),
    more: trashedFolders.length > TRASH_PAGE_SIZE || trashedFiles.length > TRASH_PAGE_SIZE,
  };
}

/** Whether a folder can take things back: null (the top) or a folder outside the trash. */
async function isLive(db: Database, userId: string, folderId: string | null) {
  return folderId === null || (await folderPath(db, userId, folderId)) !== null;
}

/** Back where it was; to the top of "My files" if that folder is itself in the trash. */
export async function restoreFile(db: Database, userId: string, fileId: string) {
  if (!isUuid(fileId)) throw new AppError('file_not_found');
  const [file] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), eq(files.userId, userId), isNotNull(files.deletedAt)));
  if (!file) throw new AppError('file_not_found');
  const folderId = (await isLive(db, userId, file.folderId)) ? file.folderId : null;
  await db
    .update(files)
    .set({ deletedAt: null, folderId })
    .where(and(eq(files.id, fileId), eq(files.userId, userId)));
}

export async function restoreFolder(db: Database, userId: string, folderId: string) {
  if (!isUuid(folderId)) throw new AppError('folder_not_found');
  const [folder] = await db
    .select()
    .from(folders)
    .where(and(eq(folders.id, folderId), eq(folders.userId, userId), isNotNull(folders.deletedAt)));
  if (!folder) throw new AppError('folder_not_found');
  const parentId = (await isLive(db, userId, folder.parentId)) ? folder.parentId : null;
  await db
    .update(folders)
    .set({ deletedAt: null, parentId })
    .where(and(eq(folders.id, folderId), eq(folders.userId, userId)));
}

/**
 * Deletes for good what was put in the trash (before `before`, when given), one user's or
 * everyone's for the scheduled job, with everything inside the folders among it. Rows go
 * first, in one transaction, and the bytes after: no row ever points at missing bytes.
 */
export async function purgeTrash(
  db: Database,
  blobs: BlobStore,
  options: { before?: Date; userId?: string },
): Promise<{ files: number; orphans: string[] }> {
  const cutoff = options.before && sql`${options.before.toISOString()}::timestamptz`;
  const fileTrashed = cutoff ? lt(files.deletedAt, cutoff) : isNotNull(files.deletedAt);
  const folderTrashed = cutoff ? lt(folders.deletedAt, cutoff) : isNotNull(folders.deletedAt);
  const ownFolders: SQL | undefined = options.userId
    ? eq(folders.userId, options.userId)
    : undefined;
  const ownFiles: SQL | undefined = options.userId ? eq(files.userId, options.userId) : undefined;
  const doomedFolders = sql`(WITH RECURSIVE doomed AS (
      SELECT ${folders.id} FROM ${folders} WHERE ${and(folderTrashed, ownFolders)}
      UNION ALL
      SELECT f.id FROM folders f JOIN doomed d ON f.parent_id = d.id
    ) SELECT id FROM doomed)`;

  const removed = await db.transaction(async (tx) => {
    const gone = await tx
      .delete(files)
      .where(or(and(fileTrashed, ownFiles), sql`${files.folderId} IN ${doomedFolders}`))
      .returning({ blobKey: files.blobKey });
    // Folders inside these go with them (ON DELETE CASCADE).
    await tx.delete(folders).where(and(folderTrashed, ownFolders));
    return gone;
  });

  const orphans: string[] = [];
  for (const { blobKey } of removed) {
    await blobs.delete(blobKey).catch(() => orphans.push(blobKey));
  }
  return { files: removed.length, orphans };
}
