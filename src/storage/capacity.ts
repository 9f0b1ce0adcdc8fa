/**
 * A write refused because the storage is full: no space left on the device (ENOSPC), the
 * account's disk quota reached (EDQUOT), or the file size limit of the process or file
 * system (EFBIG). The person is told 507 and that nothing was lost; the bytes already
 * received stay, so the upload can resume once space is back.
 */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export function isStorageFull(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (!(current instanceof Error)) return false;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}
