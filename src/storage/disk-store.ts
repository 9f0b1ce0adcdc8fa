import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertBlobKey,
  BlobNotFoundError,
  type BlobStore,
  type ByteRange,
  newBlobKey,
} from './blob-store.js';

const MiB = 1024 * 1024;

/** Blobs as files under `root/<first two characters of the key>/<key>`. */
export class DiskBlobStore implements BlobStore {
  private readonly staging: string;

  constructor(private readonly root: string) {
    this.staging = join(root, '.incoming');
  }

  async init(): Promise<void> {
    await mkdir(this.staging, { recursive: true });
  }

  /** The key is checked against the server's own key shape, so no path can escape `root`. */
  private pathOf(key: string): string {
    assertBlobKey(key);
    return join(this.root, key.slice(0, 2), key);
  }

  async put(key: string, source: Readable, signal?: AbortSignal): Promise<void> {
    const target = this.pathOf(key);
    const temporary = join(this.staging, newBlobKey());
    try {
      await pipeline(source, createWriteStream(temporary, { flags: 'wx' }), { signal });
      await this.adopt(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  private async adopt(path: string, target: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await mkdir(join(target, '..'), { recursive: true });
    await rename(path, target);
  }

  async append(key: string, source: Readable, signal?: AbortSignal): Promise<number> {
    const path = this.pathOf(key);
    await mkdir(join(path, '..'), { recursive: true });
    // `flush` syncs before the file closes, also when the body was cut short: a resumed
    // upload continues from bytes that are really on disk.
    // A deep buffer lets encryption go on while the disk writes, and batches the writes.
    const sink = createWriteStream(path, { flags: 'a', flush: true, highWaterMark: MiB });
    await pipeline(source, sink, { signal });
    return (await stat(path)).size;
  }

  async truncate(key: string, size: number): Promise<void> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r+').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
    });
    try {
      if ((await handle.stat()).size > size) {
        await handle.truncate(size);
        await handle.sync();
      }
    } finally {
      await handle.close();
    }
  }

  async writeAt(key: string, offset: number, bytes: Buffer): Promise<void> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r+').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
    });
    try {
      if (offset + bytes.length > (await handle.stat()).size) {
        throw new RangeError('writeAt may not grow a blob');
      }
      await handle.write(bytes, 0, bytes.length, offset);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
    });
    // Reads of 1 MiB rather than 64 KiB: an encrypted segment (64 KiB + 28) then rarely
    // straddles two reads, so it is seldom copied, and the garbage collector keeps up.
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: MiB });
  }

  async stat(key: string): Promise<{ size: number; modifiedAt: Date } | null> {
    try {
      const info = await stat(this.pathOf(key));
      return { size: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<string> {
    for (const prefix of await readdir(this.root)) {
      if (prefix.startsWith('.')) continue;
      for (const key of await readdir(join(this.root, prefix))) yield key;
    }
  }
}
