import type { Database } from '../db/connect.js';
import type { BlobStore } from '../storage/blob-store.js';
import { referencedKeys } from './references.js';

export interface Orphan {
  key: string;
  size: number;
  /** Unknown when the store does not report when a blob was last written. */
  ageMs: number | undefined;
}

export interface OrphanReport {
  removed: number;
  bytesRemoved: number;
  /** Orphans left in place: too recent, or of unknown age, to be sure no upload owns them. */
  kept: number;
}

const BATCH = 500;

/** Blobs no row refers to, in batches so that memory stays flat on a large store. */
export async function* findOrphanBlobs(db: Database, blobs: BlobStore): AsyncIterable<Orphan> {
  let batch: string[] = [];
  const flush = async function* () {
    const referenced = await referencedKeys(db, batch);
    const candidates = batch.filter((key) => !referenced.has(key));
    batch = [];
    for (const key of candidates) {
      const info = await blobs.stat(key);
      if (!info) continue;
      const ageMs = info.modifiedAt ? Date.now() - info.modifiedAt.getTime() : undefined;
      yield { key, size: info.size, ageMs };
    }
  };
  for await (const key of blobs.list()) {
    batch.push(key);
    if (batch.length >= BATCH) yield* flush();
  }
  yield* flush();
}

/**
 * Removes orphans older than `graceMs`. A younger one may be the bytes of an upload being
 * completed right now, whose row is a moment away; it is left for a later run.
 */
export async function removeOrphanBlobs(
  db: Database,
  blobs: BlobStore,
  graceMs: number,
): Promise<OrphanReport> {
  const report: OrphanReport = { removed: 0, bytesRemoved: 0, kept: 0 };
  for await (const orphan of findOrphanBlobs(db, blobs)) {
    if (orphan.ageMs === undefined || orphan.ageMs < graceMs) {
      report.kept++;
      continue;
    }
    // Checked once more just before removal: a row may have appeared since the batch.
    if ((await referencedKeys(db, [orphan.key])).size > 0) continue;
    await blobs.delete(orphan.key);
    report.removed++;
    report.bytesRemoved += orphan.size;
  }
  return report;
}
