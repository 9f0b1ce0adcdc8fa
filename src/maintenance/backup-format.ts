import { join } from 'node:path';

/** What a backup folder holds, written last so that a folder without it is incomplete. */
export interface BackupManifest {
  format: 1;
  createdAt: string;
  /** The database the backup was taken from; a restore may go to either kind. */
  source: 'pglite' | 'postgres';
  migrations: number;
  tables: Array<{ name: string; columns: string[]; rows: number }>;
  blobs: { count: number; bytes: number };
}

export const MANIFEST = 'khaznati-backup.json';

export const tableFile = (directory: string, table: string) =>
  join(directory, 'tables', `${table}.jsonl`);

export const blobFile = (directory: string, key: string) =>
  join(directory, 'blobs', key.slice(0, 2), key);

export const KEYS_REMINDER = `This backup does not contain the secrets that unlock it. Keep them apart from it:
  - SECURITY_PASSWORD_SALT: without the same value no one can sign in after a restore;
  - the master keys that encrypt the files at rest (KHAZNATI_MASTER_KEYS), when set;
  - SECRET_KEY (only signs cookies; a new one signs everyone out).
In development they are generated into DATA_DIR/secrets: copy that folder somewhere safe.
`;

export const README = `Khaznati DZ backup.

  tables/<table>.jsonl   one row per line, as Postgres writes it (row_to_json)
  blobs/<ab>/<key>       the stored bytes of every file, exactly as stored
  ${MANIFEST}   what was backed up; written last

Restore into a fresh install (empty database and DATA_DIR) with:
  khaznati restore <this folder>

${KEYS_REMINDER}`;

/** A backup or restore refused for a reason the operator can act on; printed as is. */
export class BackupError extends Error {
  readonly code = 'backup_refused';
}
