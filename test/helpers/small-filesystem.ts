import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { trackMount, untrackMount } from './cleanup-on-exit.js';

const run = promisify(execFile);

export interface SmallFilesystem {
  path: string;
  freeBytes(): Promise<number>;
  release(): Promise<void>;
}

/**
 * A real file system of `sizeMiB` (tmpfs) to use as DATA_DIR, so that writes fail with
 * ENOSPC as on a full disk. With `databaseMiB`, the embedded database gets a file system of
 * its own inside it (DATA_DIR/db): the files run out of room while the database does not.
 * Null where mounting is not permitted (not root, or a container without the capability).
 */
export async function mountSmallFilesystem(
  sizeMiB: number,
  databaseMiB?: number,
): Promise<SmallFilesystem | null> {
  if (process.env.FAULT_DISK === 'file-size-limit') return null;
  const path = await mkdtemp(join(tmpdir(), 'khaznati-small-'));
  const mounted: string[] = [];
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', path]);
    trackMount(path);
    mounted.push(path);
    if (databaseMiB) {
      const database = join(path, 'db');
      await mkdir(database);
      await run('mount', [
        '-t',
        'tmpfs',
        '-o',
        `size=${databaseMiB}m,mode=0700`,
        'tmpfs',
        database,
      ]);
      trackMount(database);
      mounted.unshift(database);
    }
  } catch {
    await unmount(mounted);
    await rm(path, { recursive: true, force: true });
    return null;
  }
  return {
    path,
    async freeBytes() {
      const info = await statfs(path);
      return info.bavail * info.bsize;
    },
    async release() {
      await unmount(mounted);
      await rm(path, { recursive: true, force: true });
    },
  };
}

async function unmount(paths: string[]) {
  for (const path of paths) {
    await run('umount', [path]).catch(() => run('umount', ['-l', path]).catch(() => {}));
    untrackMount(path);
  }
}
