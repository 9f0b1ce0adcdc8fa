import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every blob file of a server on the disk store (DATA_DIR/blobs), by key, with its path. */
export async function blobFiles(dataDir: string): Promise<Map<string, string>> {
  const root = join(dataDir, 'blobs');
  const found = new Map<string, string>();
  const prefixes = await readdir(root).catch(() => []);
  for (const prefix of prefixes) {
    if (prefix.startsWith('.')) continue;
    for (const key of await readdir(join(root, prefix))) found.set(key, join(root, prefix, key));
  }
  return found;
}
