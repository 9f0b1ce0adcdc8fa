/**
 * How a blob lies in a bucket. S3 objects cannot be appended to or cut, so a blob is a run
 * of part objects named `<key>/<start offset, 16 digits>`, read in the order of their
 * offsets:
 *
 * - The blob exists while its part at offset 0 does (deleting that part first removes
 *   the whole blob at once).
 * - Each part holds the bytes from its offset up to the next part's offset: a later part
 *   hides whatever an earlier one holds past that point. Cutting a blob inside a part thus
 *   costs one empty object, not a rewrite of the part.
 * - An empty part ends the blob. Parts after it are leftovers of that cut; they are
 *   deleted before anything is written past it, so they can never reappear.
 * - A gap (a part starting past the end of the one before) also ends the blob.
 *
 * Every write is a whole-object PUT or DELETE, which S3 applies atomically, and each step
 * leaves a readable blob behind: a crash between two steps never exposes stale bytes.
 */

export const OFFSET_DIGITS = 16;

export interface StoredObject {
  objectKey: string;
  size: number;
}

/** A part as it counts in the blob: `length` bytes of the object, from its start. */
export interface BlobPart {
  objectKey: string;
  start: number;
  length: number;
}

export interface BlobLayout {
  exists: boolean;
  size: number;
  /** Non-empty parts in offset order, each clipped to the bytes it contributes. */
  parts: BlobPart[];
  /** The empty object that ends the blob, if a cut left one. */
  end: string | undefined;
  /** Objects under the key past the end of the blob. */
  leftovers: string[];
}

export function partKey(key: string, start: number): string {
  return `${key}/${String(start).padStart(OFFSET_DIGITS, '0')}`;
}

const PART_NAME = new RegExp(`/(\\d{${OFFSET_DIGITS}})$`);

export function readLayout(objects: StoredObject[]): BlobLayout {
  const stored = objects
    .map((object) => ({ ...object, start: Number(PART_NAME.exec(object.objectKey)?.[1] ?? -1) }))
    .filter((object) => object.start >= 0)
    .sort((a, b) => a.start - b.start);
  if (stored[0]?.start !== 0) {
    const leftovers = stored.map((object) => object.objectKey);
    return { exists: false, size: 0, parts: [], end: undefined, leftovers };
  }

  const parts: BlobPart[] = [];
  let size = 0;
  let end: string | undefined;
  let index = 0;
  for (; index < stored.length; index++) {
    const object = stored[index]!;
    if (object.start > size) break;
    const previous = parts.at(-1);
    if (previous) previous.length = object.start - previous.start;
    size = object.start + object.size;
    if (object.size === 0) {
      end = object.objectKey;
      index++;
      break;
    }
    parts.push({ objectKey: object.objectKey, start: object.start, length: object.size });
  }
  return {
    exists: true,
    size,
    parts,
    end,
    leftovers: stored.slice(index).map((object) => object.objectKey),
  };
}

/** The parts covering the inclusive byte range, each with the slice of it to read. */
export function partsInRange(
  parts: BlobPart[],
  start: number,
  end: number,
): { part: BlobPart; from: number; to: number }[] {
  return parts
    .filter((part) => part.start <= end && part.start + part.length > start)
    .map((part) => ({
      part,
      from: Math.max(start, part.start) - part.start,
      to: Math.min(end, part.start + part.length - 1) - part.start,
    }));
}
