import type { CleanupReport } from '../app.js';
import type { BackupManifest } from './backup-format.js';
import type { FsckReport } from './fsck.js';

const MiB = 1024 * 1024;
const size = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const age = (ms: number | undefined) =>
  ms === undefined ? 'age unknown' : `${Math.round(ms / 60_000)} min old`;

export function describeCleanup(report: CleanupReport): string[] {
  const { orphans } = report;
  return [
    `Removed ${report.uploads} expired upload(s), ${report.sessions} expired session(s) and ` +
      `${report.trashedFiles} file(s) in the trash for over 30 days.`,
    `Removed ${orphans.removed} orphan blob(s) (${size(orphans.bytesRemoved)}); ` +
      `kept ${orphans.kept} too recent to be sure no upload owns them.`,
  ];
}

export function describeFsck(report: FsckReport, graceMs: number): string[] {
  const lines = [`Checked ${report.checked} file(s) and upload(s) against the blob store.`];
  lines.push(`Missing or damaged bytes: ${report.damaged.length}`);
  for (const blob of report.damaged) {
    lines.push(`  ${blob.kind} ${blob.id}: ${blob.problem} (blob ${blob.blobKey})`);
  }
  const orphanBytes = report.orphans.reduce((sum, orphan) => sum + orphan.size, 0);
  lines.push(
    `Orphan blobs (no row refers to them): ${report.orphans.length}, ${size(orphanBytes)}`,
  );
  for (const orphan of report.orphans) {
    const recent = orphan.ageMs === undefined || orphan.ageMs < graceMs;
    lines.push(
      `  blob ${orphan.key}: ${orphan.size} bytes, ${age(orphan.ageMs)}${recent ? ', recent' : ''}`,
    );
  }
  if (report.repaired) {
    lines.push(
      `Removed ${report.repaired.removed} orphan blob(s) (${size(report.repaired.bytesRemoved)}); ` +
        `kept ${report.repaired.kept} too recent to be sure no upload owns them.`,
    );
  }
  return lines;
}

/** Problems left after the run: damaged rows, and old orphans nobody removed. */
export function fsckProblems(report: FsckReport, graceMs: number): number {
  if (report.repaired) return report.damaged.length;
  const old = report.orphans.filter((o) => o.ageMs !== undefined && o.ageMs >= graceMs);
  return report.damaged.length + old.length;
}

export function describeBackup(manifest: BackupManifest): string[] {
  return [
    ...manifest.tables.map((table) => `  ${table.name}: ${table.rows} row(s)`),
    `  blobs: ${manifest.blobs.count} (${size(manifest.blobs.bytes)})`,
  ];
}
