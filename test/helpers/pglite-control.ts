import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// The DBState enum of PostgreSQL's pg_control (src/include/catalog/pg_control.h).
const STATES = [
  'starting up',
  'shut down',
  'shut down in recovery',
  'shutting down',
  'in crash recovery',
  'in archive recovery',
  'in production',
];

/**
 * How the embedded database was left, read from its control file: "shut down" after a
 * clean close, "in production" while open or after a crash (the next start recovers).
 * `state` follows the system identifier (8 bytes) and two 4-byte version numbers.
 */
export async function pgliteState(dataDir: string): Promise<string> {
  const control = await readFile(join(dataDir, 'db', 'global', 'pg_control'));
  return STATES[control.readInt32LE(16)] ?? `unknown (${control.readInt32LE(16)})`;
}
