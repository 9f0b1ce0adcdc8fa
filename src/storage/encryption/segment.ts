import type { KeyObject } from 'node:crypto';
import { openAesGcm, type RandomSource, sealAesGcm, systemRandom } from './aes-gcm.js';
import { DamagedBlobError } from './errors.js';
import { segmentAad } from './format.js';

/** Seals one segment: nonce ‖ ciphertext ‖ tag, bound to its index and last-segment flag. */
export function sealSegment(
  dataKey: KeyObject,
  index: number,
  last: boolean,
  plaintext: Buffer,
  random: RandomSource = systemRandom,
): Buffer {
  return sealAesGcm(dataKey, segmentAad(index, last), plaintext, random);
}

/**
 * Opens one stored segment. A segment moved to another index, a non-last segment in last
 * place (truncation) or a last one followed by more (extension) fails here, because the
 * index and flag it was sealed with are not the ones it is opened with.
 */
export function openSegment(
  dataKey: KeyObject,
  index: number,
  last: boolean,
  stored: Buffer,
): Buffer {
  const plaintext = openAesGcm(dataKey, segmentAad(index, last), stored);
  if (plaintext === null) {
    throw new DamagedBlobError('segment', `Segment ${index} failed authentication`, index);
  }
  return plaintext;
}
