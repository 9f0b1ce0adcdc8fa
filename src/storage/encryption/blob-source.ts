import { DamagedBlobError } from './errors.js';

/** Reads exactly `length` bytes at `offset` (fewer only when the blob ends sooner). */
export type ReadCiphertext = (offset: number, length: number) => Promise<Buffer>;

/** Opens a stream of the bytes [offset, offset + length), such as a ranged GET. */
export type OpenCiphertext = (
  offset: number,
  length: number,
) => AsyncIterable<Buffer> | Promise<AsyncIterable<Buffer>>;

/** Where ciphertext comes from: random reads (a file) or one stream per range (a bucket). */
export type CiphertextSource = { read: ReadCiphertext } | { open: OpenCiphertext };

/** Random reads are grouped into whole segments of about this many bytes. */
const READ_BATCH = 256 * 1024;

export async function readBytes(
  source: CiphertextSource,
  offset: number,
  length: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of rangeChunks(source, offset, length, length)) parts.push(part);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * Yields `count` stored segments from `offset`: all of `fullLength` bytes except the last,
 * of `lastLength`. Holds at most one segment and one chunk of the source at a time. A
 * source that ends early means the blob was truncated.
 */
export async function* readStoredSegments(
  source: CiphertextSource,
  offset: number,
  count: number,
  fullLength: number,
  lastLength: number,
): AsyncGenerator<Buffer> {
  const total = (count - 1) * fullLength + lastLength;
  const batch = Math.max(1, Math.floor(READ_BATCH / fullLength)) * fullLength;
  let parts: Buffer[] = [];
  let held = 0;
  let index = 0;
  const wanted = () => (index === count - 1 ? lastLength : fullLength);

  for await (const chunk of rangeChunks(source, offset, total, batch)) {
    let rest = chunk;
    while (index < count && held + rest.length >= wanted()) {
      const taken = wanted() - held;
      parts.push(rest.subarray(0, taken));
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      rest = rest.subarray(taken);
      parts = [];
      held = 0;
      index += 1;
    }
    if (index === count) return;
    if (rest.length > 0) {
      parts.push(rest);
      held += rest.length;
    }
  }
  if (index < count) {
    throw new DamagedBlobError('length', 'The blob ends before its last segment');
  }
}

async function* rangeChunks(
  source: CiphertextSource,
  offset: number,
  length: number,
  batch: number,
): AsyncGenerator<Buffer> {
  if (length === 0) return;
  if ('open' in source) {
    yield* await source.open(offset, length);
    return;
  }
  for (let at = 0; at < length; ) {
    const wanted = Math.min(batch, length - at);
    const bytes = await source.read(offset + at, wanted);
    if (bytes.length === 0) return;
    yield bytes.length > wanted ? bytes.subarray(0, wanted) : bytes;
    at += Math.min(bytes.length, wanted);
  }
}
