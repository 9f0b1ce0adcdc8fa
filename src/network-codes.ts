/**
 * Error codes Node gives a connection that was refused, dropped, timed out or could not be
 * routed: the other side is unreachable for now, not wrong. Shared by the database and the
 * storage checks that turn such failures into a 503.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
