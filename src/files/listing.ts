import { and, asc, count, desc, eq, isNull, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../db/connect.js';
import type { FileRow } from './files.js';
import { type FolderRow, liveFolderIds } from './folders.js';
import { files, folders } from './tables.js';

export const PAGE_SIZE = 100;
export const SORT_KEYS = ['name', 'date', 'size'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortOrder = 'asc' | 'desc';

export interface Listing {
  folders: Array<FolderRow & { parentName?: string | null }>;
  files: Array<FileRow & { folderName?: string | null }>;
  total: number;
  pages: number;
}

/**
 * Folders come before files, so a page is a slice of the folders, then of the files.
 * Returns the offsets and limits of each part for the 1-based `page`.
 */
export function pageSlices(folderCount: number, page: number, pageSize = PAGE_SIZE) {
  const start = (page - 1) * pageSize;
  const folderOffset = Math.min(start, folderCount);
  const folderLimit = Math.max(0, Math.min(pageSize, folderCount - start));
  const fileOffset = Math.max(0, start - folderCount);
  const fileLimit = pageSize - folderLimit;
  return { folderOffset, folderLimit, fileOffset, fileLimit };
}

function fileOrder(sort: SortKey, order: SortOrder): SQL[] {
  const direction = order === 'asc' ? asc : desc;
  if (sort === 'size')
    return [direction(files.size), asc(sql`lower(${files.name})`), asc(files.id)];
  if (sort === 'date') return [direction(files.createdAt), asc(files.id)];
  return [direction(sql`lower(${files.name})`), direction(files.name), asc(files.id)];
}

/** Folders have no size: sorted by size, they keep their name order. */
function folderOrder(sort: SortKey, order: SortOrder): SQL[] {
  if (sort === 'date') {
    return [(order === 'asc' ? asc : desc)(folders.createdAt), asc(folders.id)];
  }
  const direction = sort === 'name' && order === 'desc' ? desc : asc;
  return [direction(sql`lower(${folders.name})`), direction(folders.name), asc(folders.id)];
}

async function slice(
  db: Database,
  where: { folders: SQL; files: SQL },
  sort: SortKey,
  order: SortOrder,
  page: number,
): Promise<Listing> {
  const [[folderCount], [fileCount]] = await Promise.all([
    db.select({ n: count() }).from(folders).where(where.folders),
    db.select({ n: count() }).from(files).where(where.files),
  ]);
  const total = Number(folderCount?.n ?? 0) + Number(fileCount?.n ?? 0);
  const part = pageSlices(Number(folderCount?.n ?? 0), page);

  const parent = alias(folders, 'parent');
  const [folderRows, fileRows] = await Promise.all([
    part.folderLimit === 0
      ? []
      : db
          .select({ folder: folders, parentName: parent.name })
          .from(folders)
          .leftJoin(parent, eq(parent.id, folders.parentId))
          .where(where.folders)
          .orderBy(...folderOrder(sort, order))
          .offset(part.folderOffset)
          .limit(part.folderLimit),
    part.fileLimit === 0
      ? []
      : db
          .select({ file: files, folderName: parent.name })
          .from(files)
          .leftJoin(parent, eq(parent.id, files.folderId))
          .where(where.files)
          .orderBy(...fileOrder(sort, order))
          .offset(part.fileOffset)
          .limit(part.fileLimit),
  ]);
  return {
    folders: folderRows.map((row) => ({ ...row.folder, parentName: row.parentName })),
    files: fileRows.map((row) => ({ ...row.file, folderName: row.folderName })),
    total,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
  };
}

/** One page of a folder the caller has already found live; `null` is the top. */
export function listFolder(
  db: Database,
  userId: string,
  query: { folderId: string | null; sort: SortKey; order: SortOrder; page: number },
): Promise<Listing> {
  const { folderId } = query;
  return slice(
    db,
    {
      folders: and(
        eq(folders.userId, userId),
        folderId ? eq(folders.parentId, folderId) : isNull(folders.parentId),
        isNull(folders.deletedAt),
      )!,
      files: and(
        eq(files.userId, userId),
        folderId ? eq(files.folderId, folderId) : isNull(files.folderId),
        isNull(files.deletedAt),
      )!,
    },
    query.sort,
    query.order,
    query.page,
  );
}

/** `%`, `_` and `\` typed by the person match themselves, not any text. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Files and folders outside the trash whose name contains `text`, in any case. */
export function searchByName(
  db: Database,
  userId: string,
  query: { text: string; sort: SortKey; order: SortOrder; page: number },
): Promise<Listing> {
  const pattern = `%${escapeLike(query.text)}%`;
  const live = liveFolderIds(userId);
  return slice(
    db,
    {
      folders: and(
        eq(folders.userId, userId),
        isNull(folders.deletedAt),
        or(isNull(folders.parentId), sql`${folders.parentId} IN ${live}`),
        sql`${folders.name} ILIKE ${pattern} ESCAPE '\\'`,
      )!,
      files: and(
        eq(files.userId, userId),
        isNull(files.deletedAt),
        or(isNull(files.folderId), sql`${files.folderId} IN ${live}`),
        sql`${files.name} ILIKE ${pattern} ESCAPE '\\'`,
      )!,
    },
    query.sort,
    query.order,
    query.page,
  );
}
