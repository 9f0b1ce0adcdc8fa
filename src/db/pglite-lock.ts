import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export class DatabaseInUseError extends Error {
  readonly code = 'database_in_use';
  constructor(
    directory: string,
    readonly holder: number,
  ) {
    super(
      `The embedded database in ${directory} is open in process ${holder}. ` +
        'Stop the server first (or use DATABASE_URL for a database several processes share).',
    );
  }
}

/**
 * PGlite runs inside one process and does not stop a second process from opening the same
 * folder, which would corrupt it (a CLI command run while the server is up, say). The lock
 * file names the holder; a stale one, left by a crash, is taken over so that a restart needs
 * no manual repair. Returns the release function.
 */
export function lockDatabaseFolder(directory: string): () => void {
  const path = `${directory}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => {
        if (readHolder(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder && holder !== process.pid && isRunningNode(holder)) {
      throw new DatabaseInUseError(directory, holder);
    }
    rmSync(path, { force: true });
  }
  throw new Error(`Could not lock ${directory}`);
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A pid survives its process; after a reboot it may name an unrelated one, so look closer. */
function isRunningNode(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true;
  }
}
