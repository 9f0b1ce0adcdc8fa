import { createSecretKey, type KeyObject } from 'node:crypto';
import { openAesGcm, type RandomSource, sealAesGcm, systemRandom } from './aes-gcm.js';
import { DamagedBlobError, MasterKeyUnknownError } from './errors.js';
import { FORMAT_VERSION, SEGMENT_SIZE } from './format.js';
import { type BlobHeader, wrapAad } from './header.js';
import { KEY_SIZE, type MasterKeyRing } from './keys.js';

/**
 * Every file (and every upload in progress) has its own random data key. Keeping it as a
 * KeyObject means it prints as `SecretKeyObject { type: 'secret', ... }`, never as bytes.
 */
export function newDataKey(random: RandomSource = systemRandom): KeyObject {
  return secretKeyOf(random(KEY_SIZE));
}

export interface WrapOptions {
  segmentSize?: number;
  random?: RandomSource;
}

/**
 * Wraps a data key under the ring's current master key, bound to the format version, the
 * key id, the segment size and `binding` (the blob's storage key, fixed when the upload
 * is created). Returns the header to encode at the start of the blob.
 */
export function wrapDataKey(
  ring: MasterKeyRing,
  dataKey: KeyObject,
  binding: string,
  options: WrapOptions = {},
): BlobHeader {
  const described = {
    version: FORMAT_VERSION,
    segmentSize: options.segmentSize ?? SEGMENT_SIZE,
    keyId: ring.current.id,
  };
  const raw = dataKey.export();
  if (raw.length !== KEY_SIZE) throw new RangeError('A data key has 32 bytes');

  const aad = wrapAad(described, binding);
  const wrappedKey = sealAesGcm(ring.current.key, aad, raw, options.random);
  raw.fill(0);
  return { ...described, wrappedKey };
}

/**
 * Unwraps the data key of a blob. Fails with `DamagedBlobError` when the header was
 * altered or belongs to another blob (another binding), and with `MasterKeyUnknownError`
 * when its master key was removed from the ring.
 */
export function unwrapDataKey(ring: MasterKeyRing, header: BlobHeader, binding: string): KeyObject {
  const master = ring.byId(header.keyId);
  if (!master) throw new MasterKeyUnknownError(header.keyId);

  const raw = openAesGcm(master.key, wrapAad(header, binding), header.wrappedKey);
  if (raw === null || raw.length !== KEY_SIZE) {
    throw new DamagedBlobError(
      'wrapped_key',
      `The data key does not unwrap with master key "${header.keyId}" for this blob`,
    );
  }
  return secretKeyOf(raw);
}

export interface RewrapOptions {
  /** The blob's new binding, when rotation also moves it to a new storage key. */
  newBinding?: string;
  random?: RandomSource;
}

/**
 * Key rotation: the same data key, wrapped again under `ring.current` with a fresh nonce.
 * The segments are untouched and the encoded header keeps its size, so it is rewritten in
 * place. The old master key must still be in the ring to unwrap.
 */
export function rewrapHeader(
  ring: MasterKeyRing,
  header: BlobHeader,
  binding: string,
  options: RewrapOptions = {},
): BlobHeader {
  const dataKey = unwrapDataKey(ring, header, binding);
  return wrapDataKey(ring, dataKey, options.newBinding ?? binding, {
    segmentSize: header.segmentSize,
    random: options.random,
  });
}

function secretKeyOf(raw: Buffer): KeyObject {
  if (raw.length !== KEY_SIZE) throw new RangeError('A data key has 32 bytes');
  const key = createSecretKey(raw);
  raw.fill(0);
  return key;
}
