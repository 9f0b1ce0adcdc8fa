import { UNREACHABLE_CODES } from '../network-codes.js';

/**
 * Failures that mean "the file storage cannot be reached right now" rather than "this
 * blob is wrong": the bucket refuses or drops the connection, does not answer in time, or
 * answers with a server error (5xx, SlowDown). The S3 store raises them as
 * `StorageUnavailableError`, so that no other part has to know the SDK's error shapes.
 * They answer 503; what was stored stays, and the request can simply be retried.
 */
// Names the AWS SDK gives to timeouts and to the service saying it is overloaded or down.
const OUTAGE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
]);

export class StorageUnavailableError extends Error {
  readonly code = 'storage_unavailable';
}

/** Whether an error from the storage client is an outage (see above). */
export function isStorageOutage(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (!(current instanceof Error)) return false;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (OUTAGE_NAMES.has(current.name)) return true;
    const status = (current as { $metadata?: { httpStatusCode?: number } }).$metadata
      ?.httpStatusCode;
    if (typeof status === 'number' && status >= 500) return true;
    current = current.cause;
  }
  return false;
}

/** The outage as `StorageUnavailableError`, the cause kept for the log; anything else as is. */
export function asStorageUnavailable(error: unknown): unknown {
  if (!isStorageOutage(error)) return error;
  return new StorageUnavailableError('The file storage cannot be reached', { cause: error });
}

/** Whether a failure, however wrapped, is the storage being unreachable. */
export function isStorageUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof StorageUnavailableError) return true;
    if (!(current instanceof Error)) return false;
    current = current.cause;
  }
  return false;
}
