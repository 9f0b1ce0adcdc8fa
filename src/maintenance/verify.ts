import type { StoredBlob } from '../files/stored-blobs.js';
import type { BlobStore } from '../storage/blob-store.js';
import { ciphertextSize, type MasterKeyRing } from '../storage/encryption/index.js';
import { checkStoredFile } from '../storage/key-maintenance.js';

/**
 * Checks the bytes a row points at; returns what is wrong with them, or null. A store that
 * seals bytes differently brings its own pair of checks here.
 */
export type BlobVerifier = (blob: StoredBlob, blobs: BlobStore) => Promise<string | null>;

/**
 * Cheap: the blob is there and, for a finished file, exactly as long as its ciphertext must
 * be (an upload in progress is as long as what has arrived so far).
 */
export const storedSizeMatches: BlobVerifier = async (blob, blobs) => {
  const info = await blobs.stat(blob.blobKey);
  if (!info) return 'bytes missing';
  if (blob.kind === 'upload') return null;
  const expected = ciphertextSize(blob.size);
  return info.size === expected ? null : `holds ${info.size} bytes, ${expected} expected`;
};

/**
 * Thorough: decrypts every segment, authenticating it, and compares the SHA-256 recorded
 * at upload (what `khaznati keys verify` does, without marking anything).
 */
export function contentAuthenticates(ring: MasterKeyRing): BlobVerifier {
  return async (blob, blobs) => {
    if (blob.kind === 'upload' || blob.sha256 === null) return storedSizeMatches(blob, blobs);
    const file = { blobKey: blob.blobKey, size: blob.size, sha256: blob.sha256 };
    const result = await checkStoredFile(blobs, ring, file);
    return result.ok ? null : result.detail;
  };
}
