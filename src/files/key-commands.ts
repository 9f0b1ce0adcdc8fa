import type { Database } from '../db/connect.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { MasterKeyRing } from '../storage/encryption/index.js';
import { checkStoredFile, rewrapStoredBlob, storedKeyId } from '../storage/key-maintenance.js';
import { setFileDamaged } from './damage.js';
import { countStoredBlobs, type StoredBlob, storedBlobs } from './stored-blobs.js';

export interface KeyCommandParts {
  db: Database;
  blobs: BlobStore;
  ring: MasterKeyRing;
  /** Receives one line of progress or result at a time. */
  say: (line: string) => void;
  /** Stops between two blobs; what was done stays done. */
  signal?: AbortSignal;
}

export interface Problem {
  kind: StoredBlob['kind'];
  id: string;
  detail: string;
}

const PROGRESS_EVERY_MS = 1000;

/**
 * `khaznati keys rotate`: every data key, of files and of uploads in progress, wrapped
 * again under the newest master key; content is not re-encrypted. Headers already under
 * that key are skipped, so a run that was interrupted continues where it stopped.
 */
export async function rotateKeys(parts: KeyCommandParts) {
  const { ring, say } = parts;
  const total = await countStoredBlobs(parts.db);
  const tally = { rewrapped: 0, current: 0, missing: 0 };
  const failed: Problem[] = [];
  const progress = reporter(say, total);

  say(`Re-wrapping data keys under master key ${ring.current.id} (${total} blobs)…`);
  for await (const blob of storedBlobs(parts.db)) {
    if (parts.signal?.aborted) break;
    try {
      tally[await rewrapStoredBlob(parts.blobs, ring, blob.blobKey)] += 1;
    } catch (error) {
      failed.push({ kind: blob.kind, id: blob.id, detail: (error as Error).message });
    }
    progress(tally.rewrapped + tally.current + tally.missing + failed.length);
  }

  say(
    `Done: ${tally.rewrapped} re-wrapped, ${tally.current} already under ${ring.current.id}, ` +
      `${tally.missing} missing, ${failed.length} failed.`,
  );
  listProblems(say, failed);
  const interrupted = parts.signal?.aborted === true;
  if (interrupted) say('Interrupted: run it again to continue where it stopped.');
  return { ...tally, failed, interrupted };
}

/**
 * `khaznati keys verify`: decrypts every file and checks it against its SHA-256; lists the
 * damaged ones and remembers them (a file that checks out whole again is cleared). Also
 * tells which master keys are still in use, so an old one can be retired safely.
 */
export async function verifyFiles(parts: KeyCommandParts) {
  const { say } = parts;
  const total = await countStoredBlobs(parts.db);
  const damaged: Problem[] = [];
  const keyIds = new Map<string, number>();
  let checked = 0;
  const progress = reporter(say, total);

  say(`Checking ${total} blobs…`);
  for await (const blob of storedBlobs(parts.db)) {
    if (parts.signal?.aborted) break;
    const result = await checkBlob(parts, blob);
    checked += 1;
    if (result.ok) keyIds.set(result.keyId, (keyIds.get(result.keyId) ?? 0) + 1);
    else damaged.push({ kind: blob.kind, id: blob.id, detail: result.detail });
    // A missing master key says nothing about the bytes: only real damage is remembered.
    const isDamaged = !result.ok && !result.keyMissing;
    if (blob.kind === 'file' && isDamaged !== blob.damaged) {
      await setFileDamaged(parts.db, blob.id, isDamaged);
    }
    progress(checked);
  }

  say(`Checked ${checked} blobs: ${damaged.length} damaged or unreadable.`);
  listProblems(say, damaged);
  const inUse = [...keyIds].map(([id, n]) => `${id} (${n})`).join(', ');
  say(`Master keys in use: ${inUse || 'none'}.`);
  return { checked, damaged, keyIds };
}

type Check = { ok: true; keyId: string } | { ok: false; keyMissing: boolean; detail: string };

async function checkBlob(parts: KeyCommandParts, blob: StoredBlob): Promise<Check> {
  try {
    if (blob.kind === 'file') {
      const file = { blobKey: blob.blobKey, size: blob.size, sha256: blob.sha256 ?? '' };
      const result = await checkStoredFile(parts.blobs, parts.ring, file);
      if (result.ok) return result;
      return { ok: false, keyMissing: result.problem === 'key_missing', detail: result.detail };
    }
    // An upload in progress has no final segment yet: its header is what can be checked.
    const keyId = await storedKeyId(parts.blobs, blob.blobKey);
    if (keyId === null) return { ok: false, keyMissing: false, detail: 'The blob is missing' };
    if (!parts.ring.byId(keyId)) {
      return { ok: false, keyMissing: true, detail: `Master key "${keyId}" is not in the ring` };
    }
    return { ok: true, keyId };
  } catch (error) {
    return { ok: false, keyMissing: false, detail: (error as Error).message };
  }
}

function reporter(say: (line: string) => void, total: number) {
  let last = Date.now();
  return (done: number) => {
    if (Date.now() - last < PROGRESS_EVERY_MS && done !== total) return;
    last = Date.now();
    say(`  ${done} of ${total}`);
  };
}

function listProblems(say: (line: string) => void, problems: Problem[]): void {
  for (const problem of problems) say(`  ${problem.kind} ${problem.id}: ${problem.detail}`);
}
