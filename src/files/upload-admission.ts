import { eq } from 'drizzle-orm';
import { users } from '../accounts/tables.js';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { newBlobKey } from '../storage/blob-store.js';
import { usedBytes } from './files.js';
import { requireLiveFolder } from './folders.js';
import { validateFileName } from './names.js';
import { uploads } from './tables.js';

export interface NewUpload {
  id: string;
  name: string;
  size: number;
  /** The folder the file goes into; empty or missing for the top of "My files". */
  folder?: string | null;
}

/**
 * Checks the name, the folder and the quota, then records the upload: all before any byte
 * is stored. Shared by tus and the form that works without scripts.
 */
export async function admitUpload(
  db: Database,
  userId: string,
  upload: NewUpload,
  expiresAt: Date,
): Promise<void> {
  const name = validateFileName(upload.name);
  const folderId = upload.folder || null;
  await requireLiveFolder(db, userId, folderId);

  await db.transaction(async (tx) => {
    // Locking the user's row serialises concurrent creations, so two uploads cannot
    // both squeeze into the same remaining space.
    const [owner] = await tx
      .select({ quotaBytes: users.quotaBytes })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (!owner) throw new AppError('sign_in_required');
    const used = await usedBytes(tx as unknown as Database, userId);
    if (used + upload.size > owner.quotaBytes) throw new AppError('quota_exceeded');
    await tx.insert(uploads).values({
      id: upload.id,
      userId,
      name,
      length: upload.size,
      // Chosen once, here: the blob's encryption header is bound to it.
      blobKey: newBlobKey(),
      folderId,
      expiresAt,
    });
  });
}
