import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Settings } from '../config-s3.js';
import { asStorageUnavailable } from './availability.js';
import type { StoredObject } from './s3-layout.js';

/** The few S3 calls the blob store makes, on one bucket. */
export class S3Bucket {
  private readonly client: S3Client;
  private readonly name: string;

  constructor(settings: S3Settings) {
    this.name = settings.bucket;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      credentials: {
        accessKeyId: settings.accessKeyId,
        secretAccessKey: settings.secretAccessKey,
      },
      // Bucket in the path, not the host name: what self-hosted stores (Garage, MinIO) serve.
      forcePathStyle: true,
      // Checksums only where S3 demands them: many compatible stores refuse the newer
      // trailing-checksum encoding. Each object carries a Content-MD5 instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5000 },
    });
  }

  /** Fails unless the bucket answers to these credentials. */
  async check(signal?: AbortSignal): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.name }), { abortSignal: signal });
  }

  close(): void {
    this.client.destroy();
  }

  async listObjects(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.send((client) =>
        client.send(
          new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const { Key, Size } of page.Contents ?? []) {
        if (Key) objects.push({ objectKey: Key, size: Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  /** The first path segment of every object, once each ("<key>/" for "<key>/<part>"). */
  async *listFolders(): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.send((client) =>
        client.send(
          new ListObjectsV2Command({ Bucket: this.name, Delimiter: '/', ContinuationToken: token }),
        ),
      );
      for (const { Prefix } of page.CommonPrefixes ?? []) {
        if (Prefix) yield Prefix.slice(0, -1);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async put(objectKey: string, bytes: Buffer, signal?: AbortSignal): Promise<void> {
    await this.send((client) =>
      client.send(
        new PutObjectCommand({
          Bucket: this.name,
          Key: objectKey,
          Body: bytes,
          ContentLength: bytes.length,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          ContentType: 'application/octet-stream',
        }),
        { abortSignal: signal },
      ),
    );
  }

  /** Streams the inclusive byte range of an object; null when there is no such object. */
  async open(
    objectKey: string,
    from: number,
    to: number,
    signal?: AbortSignal,
  ): Promise<Readable | null> {
    let response: GetObjectCommandOutput;
    try {
      response = await this.send((client) =>
        client.send(
          new GetObjectCommand({ Bucket: this.name, Key: objectKey, Range: `bytes=${from}-${to}` }),
          { abortSignal: signal },
        ),
      );
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return null;
      throw error;
    }
    const body = response.Body as Readable;
    // Some compatible servers answer a range with more than was asked (the whole object,
    // or past its end): the start must be right, and the excess is never passed on.
    if (from > 0 && !response.ContentRange?.startsWith(`bytes ${from}-`)) {
      body.destroy();
      throw new Error(`The storage server ignored a range request for ${objectKey}`);
    }
    return Readable.from(take(body, to - from + 1), { objectMode: false });
  }

  async delete(objectKey: string): Promise<void> {
    await this.send((client) =>
      client.send(new DeleteObjectCommand({ Bucket: this.name, Key: objectKey })),
    );
  }

  /** Runs one call; a bucket that cannot be reached becomes `StorageUnavailableError`. */
  private async send<T>(call: (client: S3Client) => Promise<T>): Promise<T> {
    try {
      return await call(this.client);
    } catch (error) {
      throw asStorageUnavailable(error);
    }
  }

  /**
   * One DeleteObject a key, a few at a time. The batch call (DeleteObjects) would be
   * fewer requests, but it needs a body checksum that several compatible stores read
   * differently; a blob has few parts, and deleting it is rare.
   */
  async deleteMany(objectKeys: string[]): Promise<void> {
    const queue = [...objectKeys];
    const worker = async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) await this.delete(key);
    };
    await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  }
}

async function* take(source: Readable, count: number): AsyncGenerator<Buffer> {
  let left = count;
  try {
    for await (const chunk of source) {
      const bytes = chunk as Buffer;
      if (bytes.length >= left) {
        yield bytes.subarray(0, left);
        return;
      }
      left -= bytes.length;
      yield bytes;
    }
  } catch (error) {
    // The connection dropped while the object was read.
    throw asStorageUnavailable(error);
  }
}
