import { Readable } from 'node:stream';
import type { S3Settings } from '../config-s3.js';
import { assertBlobKey, BlobNotFoundError, type BlobStore, type ByteRange } from './blob-store.js';
import { S3Bucket } from './s3-bucket.js';
import { type BlobLayout, type BlobPart, partKey, partsInRange, readLayout } from './s3-layout.js';
import { splitIntoParts } from './split-into-parts.js';

/**
 * Largest part written at once, held in memory while it is sent: the size the SDK's own
 * multipart upload would buffer. Smaller parts mean more objects per blob; larger ones,
 * more memory per upload in flight and more bytes resent when a connection drops.
 */
export const PART_BYTES = 5 * 1024 * 1024;
const KEY_SHAPE = /^[0-9a-f]{32}$/;

/**
 * Blobs in any S3-compatible bucket, laid out as runs of parts (see s3-layout.ts) so that
 * uploads in progress can grow, be cut and be rewritten in place from any instance. The
 * store needs read-after-write consistent listings, which AWS S3, R2, MinIO and Garage give,
 * and one writer per blob at a time, which the upload lock (Redis) gives.
 */
export class S3BlobStore implements BlobStore {
  private readonly bucket: S3Bucket;

  constructor(
    settings: S3Settings,
    private readonly partBytes = PART_BYTES,
  ) {
    this.bucket = new S3Bucket(settings);
  }

  /** Fails unless the bucket answers; used at start and by /healthz. */
  init(signal?: AbortSignal): Promise<void> {
    return this.bucket.check(signal);
  }

  close(): void {
    this.bucket.close();
  }

  async put(key: string, source: Readable, signal?: AbortSignal): Promise<void> {
    await this.delete(key);

    // The part at offset 0 is written last: the blob appears only once it is complete.
    let first: Buffer = Buffer.alloc(0);
    let offset = 0;
    const write = async (bytes: Buffer) => {
      if (offset === 0) first = Buffer.from(bytes);
      else await this.bucket.put(partKey(key, offset), bytes, signal);
      offset += bytes.length;
    };
    try {
      await splitIntoParts(source, this.partBytes, write, signal);
      await this.bucket.put(partKey(key, 0), first, signal);
    } catch (error) {
      await this.delete(key).catch(() => {});
      throw error;
    }
  }

  async append(key: string, source: Readable, signal?: AbortSignal): Promise<number> {
    const layout = await this.layout(key);
    // Leftovers past the end must go before anything is written over that end.
    await this.bucket.deleteMany(layout.leftovers);

    let size = layout.size;
    const write = async (bytes: Buffer) => {
      await this.bucket.put(partKey(key, size), bytes, signal);
      size += bytes.length;
    };
    const written = await splitIntoParts(source, this.partBytes, write, signal);
    if (written === 0 && !layout.exists) await this.bucket.put(partKey(key, 0), Buffer.alloc(0));
    return size;
  }

  async truncate(key: string, size: number): Promise<void> {
    const layout = await this.existingLayout(key);
    if (size >= layout.size) return;
    // The empty part ends the blob at once; what lies past it is then only tidied away.
    await this.bucket.put(partKey(key, size), Buffer.alloc(0));
    const past = layout.parts.filter((part) => part.start > size).map((part) => part.objectKey);
    const oldEnd = layout.end ? [layout.end] : [];
    await this.bucket.deleteMany([...past, ...oldEnd, ...layout.leftovers]);
  }

  async writeAt(key: string, offset: number, bytes: Buffer): Promise<void> {
    const layout = await this.existingLayout(key);
    if (offset + bytes.length > layout.size) throw new RangeError('writeAt may not grow a blob');
    // Parts are at most partBytes, so each one touched is rewritten whole from memory. The
    // encryption header is written as a part of its own, so rewriting it is cheap.
    for (const { part, from, to } of partsInRange(
      layout.parts,
      offset,
      offset + bytes.length - 1,
    )) {
      const current = await this.readPart(part);
      const at = part.start + from - offset;
      bytes.copy(current, from, at, at + to - from + 1);
      await this.bucket.put(part.objectKey, current);
    }
  }

  async get(key: string, range?: ByteRange, signal?: AbortSignal): Promise<Readable> {
    const layout = await this.existingLayout(key);
    const end = Math.min(range?.end ?? layout.size - 1, layout.size - 1);
    const [head, ...tail] = partsInRange(layout.parts, range?.start ?? 0, end);
    // The first part is opened before returning, so a failing bucket is an error the caller
    // can still answer with a status, not a stream that breaks after the headers.
    const first = head ? await this.openPart(head.part, head.from, head.to, signal) : null;

    const openPart = this.openPart.bind(this);
    async function* bytes() {
      if (first) yield* first;
      for (const slice of tail) yield* await openPart(slice.part, slice.from, slice.to, signal);
    }
    const stream = Readable.from(bytes(), { objectMode: false });
    stream.once('close', () => first?.destroy());
    return stream;
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const layout = await this.layout(key);
    return layout.exists ? { size: layout.size } : null;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    const objects = (await this.bucket.listObjects(`${key}/`)).map((o) => o.objectKey).sort();
    // The part at offset 0 goes first: from that moment the blob is gone as a whole.
    const [first, ...rest] = objects;
    if (first) await this.bucket.delete(first);
    await this.bucket.deleteMany(rest);
  }

  async *list(): AsyncIterable<string> {
    for await (const folder of this.bucket.listFolders()) {
      if (KEY_SHAPE.test(folder)) yield folder;
    }
  }

  private async layout(key: string): Promise<BlobLayout> {
    assertBlobKey(key);
    return readLayout(await this.bucket.listObjects(`${key}/`));
  }

  private async existingLayout(key: string): Promise<BlobLayout> {
    const layout = await this.layout(key);
    if (!layout.exists) throw new BlobNotFoundError(key);
    return layout;
  }

  private async openPart(part: BlobPart, from: number, to: number, signal?: AbortSignal) {
    const body = await this.bucket.open(part.objectKey, from, to, signal);
    // A part removed since the listing: the blob was deleted or cut meanwhile.
    if (!body) throw new BlobNotFoundError(part.objectKey);
    return body;
  }

  private async readPart(part: BlobPart): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.openPart(part, 0, part.length - 1)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
}
