import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { validateFolderName } from './names.js';
import { folders } from './tables.js';

export type FolderRow = typeof folders.$inferSelect;
export interface Crumb {
  id: string;
  name: string;
}

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Far deeper than anyone nests folders; it only stops a walk that could never end.
const MAX_DEPTH = 1000;

export function isUuid(value: string): boolean {
  return UUID_SHAPE.test(value);
}

/** The rows of a raw query, which PGlite and node-postgres both return as `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * The folders from the top down to this one, when it is the user's and neither it nor a
 * folder above it is in the trash; null otherwise, so another user's folder, a missing one
 * and one in the trash all look the same.
 */
export async function folderPath(
  db: Database,
  userId: string,
  folderId: string,
): Promise<Crumb[] | null> {
  if (!isUuid(folderId)) return null;
  const result = await db.execute(sql`
    WITH RECURSIVE chain AS (
      SELECT id, parent_id, name, deleted_at, 0 AS depth
        FROM folders WHERE id = ${folderId} AND user_id = ${userId}
      UNION ALL
      SELECT f.id, f.parent_id, f.name, f.deleted_at, c.depth + 1
        FROM folders f JOIN chain c ON f.id = c.parent_id
        WHERE f.user_id = ${userId} AND c.depth < ${MAX_DEPTH}
    )
    SELECT id, name, parent_id AS "parentId", deleted_at IS NOT NULL AS trashed
      FROM chain ORDER BY depth DESC`);
  const chain = rowsOf<Crumb & { parentId: string | null; trashed: boolean }>(result);
  if (chain.length === 0 || chain[0]!.parentId !== null) return null;
  if (chain.some((folder) => folder.trashed)) return null;
  return chain.map(({ id, name }) => ({ id, name }));
}

/** The path to a folder the user may put things in; the top ("My files") is `null`. */
export async function requireLiveFolder(
  db: Database,
  userId: string,
  folderId: string | null,
): Promise<Crumb[]> {
  if (folderId === null) return [];
  const path = await folderPath(db, userId, folderId);
  if (!path) throw new AppError('folder_not_found');
  return path;
}

/** Every folder of the user outside the trash; used inside a larger query. */
export function liveFolderIds(userId: string): SQL {
  return sql`(WITH RECURSIVE live AS (
      SELECT id FROM folders
        WHERE user_id = ${userId} AND parent_id IS NULL AND deleted_at IS NULL
      UNION ALL
      SELECT f.id FROM folders f JOIN live ON f.parent_id = live.id
        WHERE f.deleted_at IS NULL
    ) SELECT id FROM live)`;
}

export async function createFolder(
  db: Database,
  userId: string,
  parentId: string | null,
  rawName: string,
): Promise<FolderRow> {
  const name = validateFolderName(rawName);
  await requireLiveFolder(db, userId, parentId);
  const [folder] = await db.insert(folders).values({ userId, parentId, name }).returning();
  return folder!;
}

export async function renameFolder(
  db: Database,
  userId: string,
  folderId: string,
  rawName: string,
): Promise<FolderRow> {
  const name = validateFolderName(rawName);
  await requireLiveFolder(db, userId, folderId);
  const [folder] = await db
    .update(folders)
    .set({ name })
    .where(and(eq(folders.id, folderId), eq(folders.userId, userId)))
    .returning();
  if (!folder) throw new AppError('folder_not_found');
  return folder;
}

/** Puts a folder in the trash; what it contains goes with it and comes back with it. */
export async function trashFolder(
  db: Database,
  userId: string,
  folderId: string,
): Promise<FolderRow> {
  await requireLiveFolder(db, userId, folderId);
  const [folder] = await db
    .update(folders)
    .set({ deletedAt: new Date() })
    .where(and(eq(folders.id, folderId), eq(folders.userId, userId), isNull(folders.deletedAt)))
    .returning();
  if (!folder) throw new AppError('folder_not_found');
  return folder;
}

/** Every folder outside the trash with its full path, for choosing where to move things. */
export async function folderChoices(db: Database, userId: string): Promise<Crumb[]> {
  const rows = await db
    .select({ id: folders.id, name: folders.name, parentId: folders.parentId })
    .from(folders)
    .where(and(eq(folders.userId, userId), isNull(folders.deletedAt)));
  const byId = new Map(rows.map((row) => [row.id, row]));

  const pathOf = (id: string): string | null => {
    const names: string[] = [];
    let current = byId.get(id);
    while (current) {
      names.unshift(current.name);
      if (current.parentId === null) return names.join(' / ');
      if (names.length > MAX_DEPTH) return null;
      current = byId.get(current.parentId);
    }
    // A folder under one in the trash is not a place to move things to.
    return null;
  };

  return rows
    .map((row) => ({ id: row.id, name: pathOf(row.id) }))
    .filter((choice): choice is Crumb => choice.name !== null)
    .sort((a, b) => a.name.localeCompare(b.name));
}
