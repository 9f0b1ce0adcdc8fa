import { asc, count, gt } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { files, uploads } from './tables.js';

export interface StoredBlob {
  kind: 'file' | 'upload';
  id: string;
  blobKey: string;
  size: number;
  /** Recorded SHA-256 of the plaintext; null for an upload still in progress. */
  sha256: string | null;
  damaged: boolean;
}

const PAGE_SIZE = 500;

/** How many blobs `storedBlobs` will yield, for progress reports. */
export async function countStoredBlobs(db: Database): Promise<number> {
  const [stored] = await db.select({ n: count() }).from(files);
  const [pending] = await db.select({ n: count() }).from(uploads);
  return Number(stored?.n ?? 0) + Number(pending?.n ?? 0);
}

/**
 * Every blob the database points at: finished files, then uploads in progress, a page at a
 * time in id order, so that memory stays small however many there are.
 */
export async function* storedBlobs(db: Database): AsyncGenerator<StoredBlob> {
  for (let after = ''; ; ) {
    const page = await db
      .select()
      .from(files)
      .where(after ? gt(files.id, after) : undefined)
      .orderBy(asc(files.id))
      .limit(PAGE_SIZE);
    for (const file of page) {
      const { id, blobKey, size, sha256 } = file;
      yield { kind: 'file', id, blobKey, size, sha256, damaged: file.damagedAt !== null };
    }
    if (page.length < PAGE_SIZE) break;
    after = page.at(-1)!.id;
  }
  for (let after = ''; ; ) {
    const page = await db
      .select()
      .from(uploads)
      .where(after ? gt(uploads.id, after) : undefined)
      .orderBy(asc(uploads.id))
      .limit(PAGE_SIZE);
    for (const upload of page) {
      const { id, blobKey, length, sha256 } = upload;
      yield { kind: 'upload', id, blobKey, size: length, sha256, damaged: false };
    }
    if (page.length < PAGE_SIZE) break;
    after = page.at(-1)!.id;
  }
}
