import { and, eq, inArray, isNull } from 'drizzle-orm';
import { users } from '../accounts/tables.js';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { folderPath, isUuid } from './folders.js';
import { files, folders } from './tables.js';

export const SELECTION_MAX = 1000;

export interface Selection {
  fileIds: string[];
  folderIds: string[];
}

function checkShape(selection: Selection) {
  const total = selection.fileIds.length + selection.folderIds.length;
  if (total === 0) throw new AppError('selection_empty');
  if (total > SELECTION_MAX) throw new AppError('selection_too_large');
  if (!selection.fileIds.every(isUuid)) throw new AppError('file_not_found');
  if (!selection.folderIds.every(isUuid)) throw new AppError('folder_not_found');
}

/**
 * Checks that every selected item is the user's and outside the trash. One unknown id
 * refuses the whole selection, so nothing is half done.
 */
async function requireOwned(db: Database, userId: string, selection: Selection) {
  const fileIds = [...new Set(selection.fileIds)];
  const folderIds = [...new Set(selection.folderIds)];
  const [foundFiles, foundFolders] = await Promise.all([
    fileIds.length === 0
      ? []
      : db
          .select({ id: files.id })
          .from(files)
          .where(
            and(eq(files.userId, userId), inArray(files.id, fileIds), isNull(files.deletedAt)),
          ),
    folderIds.length === 0
      ? []
      : db
          .select({ id: folders.id })
          .from(folders)
          .where(
            and(
              eq(folders.userId, userId),
              inArray(folders.id, folderIds),
              isNull(folders.deletedAt),
            ),
          ),
  ]);
  if (foundFiles.length !== fileIds.length) throw new AppError('file_not_found');
  if (foundFolders.length !== folderIds.length) throw new AppError('folder_not_found');
  return { fileIds, folderIds };
}

/** Moves files and folders into `destination` (`null`: the top of "My files"). */
export async function moveSelection(
  db: Database,
  userId: string,
  selection: Selection,
  destination: string | null,
): Promise<void> {
  checkShape(selection);
  await db.transaction(async (tx) => {
    const database = tx as unknown as Database;
    // Moves of one user run one at a time: two crossed moves (A into B, B into A) checked
    // side by side could otherwise both pass and make a loop.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');

    const target = destination === null ? [] : await folderPath(database, userId, destination);
    if (!target) throw new AppError('folder_not_found');
    const { fileIds, folderIds } = await requireOwned(database, userId, selection);
    // A folder may not go into itself or anything below it: that is, be on the target's path.
    if (target.some((crumb) => folderIds.includes(crumb.id))) {
      throw new AppError('folder_move_invalid');
    }

    if (fileIds.length > 0) {
      await tx
        .update(files)
        .set({ folderId: destination })
        .where(and(eq(files.userId, userId), inArray(files.id, fileIds)));
    }
    if (folderIds.length > 0) {
      await tx
        .update(folders)
        .set({ parentId: destination })
        .where(and(eq(folders.userId, userId), inArray(folders.id, folderIds)));
    }
  });
}

export async function trashSelection(
  db: Database,
  userId: string,
  selection: Selection,
): Promise<void> {
  checkShape(selection);
  await db.transaction(async (tx) => {
    const { fileIds, folderIds } = await requireOwned(tx as unknown as Database, userId, selection);
    const now = new Date();
    if (fileIds.length > 0) {
      await tx
        .update(files)
        .set({ deletedAt: now })
        .where(and(eq(files.userId, userId), inArray(files.id, fileIds)));
    }
    if (folderIds.length > 0) {
      await tx
        .update(folders)
        .set({ deletedAt: now })
        .where(and(eq(folders.userId, userId), inArray(folders.id, folderIds)));
    }
  });
}
