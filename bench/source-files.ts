import { randomFillSync } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './context.js';

const made = new Map<number, string>();
const BLOCK = 8 * 1024 * 1024;

/**
 * A file of random bytes (so that nothing on the path can compress it), made once per size
 * and run. It lives in its own folder, which nginx serves as the download baseline.
 */
export async function randomFile(ctx: BenchContext, size: number): Promise<string> {
  const existing = made.get(size);
  if (existing) return existing;

  const dir = join(ctx.tempRoot, 'sources');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `random-${size}.bin`);
  const file = await open(path, 'w');
  try {
    const block = Buffer.alloc(BLOCK);
    for (let written = 0; written < size; written += BLOCK) {
      const length = Math.min(BLOCK, size - written);
      randomFillSync(block, 0, length);
      await file.write(block, 0, length);
    }
  } finally {
    await file.close();
  }
  made.set(size, path);
  return path;
}
