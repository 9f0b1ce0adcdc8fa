import { blobSource } from './blob-codec.js';
import type { BlobStore } from './blob-store.js';
import {
  type BlobHeader,
  decodeHeader,
  encodeHeader,
  HEADER_SIZE,
  type MasterKeyRing,
  rewrapHeader,
  verifyBlob,
} from './encryption/index.js';

export type BlobCheck =
  | { ok: true; keyId: string }
  | { ok: false; problem: 'damaged' | 'missing' | 'key_missing'; detail: string };

/** Decrypts a whole stored file, checking every segment, its length and its SHA-256. */
export async function checkStoredFile(
  blobs: BlobStore,
  ring: MasterKeyRing,
  file: { blobKey: string; size: number; sha256: string },
): Promise<BlobCheck> {
  const stat = await blobs.stat(file.blobKey);
  if (!stat) return { ok: false, problem: 'missing', detail: 'The blob is missing' };

  const result = await verifyBlob({
    ring,
    binding: file.blobKey,
    source: blobSource(blobs, file.blobKey),
    plaintextSize: file.size,
    storedSize: stat.size,
  });
  if (!result.ok) {
    const problem = result.error.code === 'master_key_unknown' ? 'key_missing' : 'damaged';
    return { ok: false, problem, detail: result.error.message };
  }
  if (result.sha256.toString('hex') !== file.sha256) {
    return { ok: false, problem: 'damaged', detail: 'The content does not match its SHA-256' };
  }
  return { ok: true, keyId: result.keyId };
}

export type RewrapResult = 'rewrapped' | 'current' | 'missing';

/**
 * Key rotation for one blob: its data key wrapped again under the ring's current master
 * key, the header rewritten in place; no segment is touched. A header already under the
 * current key is left alone, which is what lets an interrupted rotation simply run again.
 * The header is one 256-byte write at offset 0: a single disk sector, or a whole object
 * replaced at once in a bucket, so a crash leaves the old header or the new one.
 */
export async function rewrapStoredBlob(
  blobs: BlobStore,
  ring: MasterKeyRing,
  blobKey: string,
): Promise<RewrapResult> {
  const header = await readHeader(blobs, blobKey);
  if (!header) return 'missing';
  if (header.keyId === ring.current.id) return 'current';

  const rewrapped = rewrapHeader(ring, header, blobKey);
  await blobs.writeAt(blobKey, 0, encodeHeader(rewrapped));
  return 'rewrapped';
}

/** The id of the master key a blob's header names, or null when the blob is missing. */
export async function storedKeyId(blobs: BlobStore, blobKey: string): Promise<string | null> {
  return (await readHeader(blobs, blobKey))?.keyId ?? null;
}

async function readHeader(blobs: BlobStore, blobKey: string): Promise<BlobHeader | null> {
  if (!(await blobs.stat(blobKey))) return null;
  const parts: Buffer[] = [];
  for await (const part of await blobSource(blobs, blobKey).open(0, HEADER_SIZE)) {
    parts.push(part);
  }
  return decodeHeader(Buffer.concat(parts));
}
