import { UNREACHABLE_CODES } from '../network-codes.js';

/**
 * Failures that mean "the database cannot be reached right now" rather than "this query is
 * wrong": a dropped or refused connection, a server shutting down or restarting, a pool that
 * could not connect in time. They answer 503 and go away by themselves when the database
 * is back, because the pool opens fresh connections.
 */
// SQLSTATE classes and codes: 08 connection exception; 57P01 admin shutdown (also what
// pg_terminate_backend sends); 57P02 crash shutdown; 57P03 cannot connect now; 53300 too
// many connections.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// node-postgres reports these without a code.
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  // Drizzle wraps the driver's error ("Failed query: …"); the cause says what happened.
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (!(current instanceof Error)) return false;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNREACHABLE_CODES.has(code)) {
        return true;
      }
    }
    if (
      UNAVAILABLE_MESSAGES.some(
        (text) => current instanceof Error && current.message.includes(text),
      )
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
