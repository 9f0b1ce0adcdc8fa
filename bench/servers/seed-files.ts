import { randomBytes } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { users } from '../../src/accounts/tables.js';
import type { Database } from '../../src/db/connect.js';
import { files } from '../../src/files/tables.js';
import { newBlobKey } from '../../src/storage/blob-store.js';

const BATCH = 500;

async function userIdOf(db: Database, email: string): Promise<string> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!user) throw new Error('no such user');
  return user.id;
}

/**
 * File rows without bytes: a listing reads only rows, so this fills a folder in seconds.
 * Names, sizes and dates vary as a real folder's do.
 */
export async function seedFiles(db: Database, email: string, count: number): Promise<number> {
  const userId = await userIdOf(db, email);
  const start = Date.now();
  for (let first = 0; first < count; first += BATCH) {
    const rows = [];
    for (let i = first; i < Math.min(count, first + BATCH); i++) {
      rows.push({
        userId,
        name: `IMG_${String(20_000 + i)}${i % 7 === 0 ? ' (نسخة)' : ''}.jpg`,
        size: 40_000 + ((i * 7919) % 6_000_000),
        blobKey: newBlobKey(),
        sha256: randomBytes(32).toString('hex'),
        createdAt: new Date(start - i * 61_000),
      });
    }
    await db.insert(files).values(rows);
  }
  return count;
}

export async function findFileId(db: Database, email: string, name: string): Promise<string> {
  const userId = await userIdOf(db, email);
  const [file] = await db
    .select({ id: files.id })
    .from(files)
    .where(and(eq(files.userId, userId), eq(files.name, name)))
    .orderBy(desc(files.createdAt))
    .limit(1);
  if (!file) throw new Error('no such file');
  return file.id;
}
