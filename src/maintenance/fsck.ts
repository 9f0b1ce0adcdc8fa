import type { Database } from '../db/connect.js';
import { type StoredBlob, storedBlobs } from '../files/stored-blobs.js';
import type { BlobStore } from '../storage/blob-store.js';
import { findOrphanBlobs, type Orphan, type OrphanReport, removeOrphanBlobs } from './orphans.js';
import { type BlobVerifier, storedSizeMatches } from './verify.js';

export interface DamagedBlob {
  kind: StoredBlob['kind'];
  id: string;
  blobKey: string;
  problem: string;
}

export interface FsckReport {
  /** Files and uploads in progress whose bytes were checked. */
  checked: number;
  /** Rows whose bytes are missing or fail verification; never removed automatically. */
  damaged: DamagedBlob[];
  orphans: Orphan[];
  /** Set with `repair`: the orphans removed. */
  repaired?: OrphanReport;
}

export interface FsckOptions {
  verify?: BlobVerifier;
  /** Removes orphans older than `graceMs` (younger ones may be an upload completing). */
  repair?: boolean;
  graceMs: number;
  /** Reports are capped so that a badly broken store still gives a readable answer. */
  maxListed?: number;
}

/** Compares the database with the blob store, through the BlobStore interface only. */
export async function checkStorage(
  db: Database,
  blobs: BlobStore,
  options: FsckOptions,
): Promise<FsckReport> {
  const verify = options.verify ?? storedSizeMatches;
  const maxListed = options.maxListed ?? 1000;
  const report: FsckReport = { checked: 0, damaged: [], orphans: [] };

  for await (const blob of storedBlobs(db)) {
    report.checked++;
    const problem = await verify(blob, blobs).catch((error: Error) => error.message);
    if (problem && report.damaged.length < maxListed) {
      report.damaged.push({ kind: blob.kind, id: blob.id, blobKey: blob.blobKey, problem });
    }
  }

  for await (const orphan of findOrphanBlobs(db, blobs)) {
    if (report.orphans.length < maxListed) report.orphans.push(orphan);
  }
  if (options.repair) report.repaired = await removeOrphanBlobs(db, blobs, options.graceMs);
  return report;
}
