import { DamagedBlobError, UnsupportedBlobFormatError } from './errors.js';
import { FORMAT_VERSION, HEADER_SIZE, isValidSegmentSize, NONCE_SIZE, TAG_SIZE } from './format.js';
import { isValidKeyId, KEY_SIZE } from './keys.js';

/**
 * The blob header, HEADER_SIZE bytes (docs/ENCRYPTION.md has the table):
 *   0  magic "KHAZENC\0"      8   version            9   key id length
 *   10 segment size (u32 BE)  14  key id, zero-padded to 32 bytes
 *   46 wrapped data key: nonce ‖ ciphertext ‖ tag (60 bytes)   106 reserved, all zero
 * Its size never changes, so key rotation rewrites it in place.
 */

export const MAGIC = Buffer.from('KHAZENC\0', 'latin1');
export const WRAPPED_KEY_SIZE = NONCE_SIZE + KEY_SIZE + TAG_SIZE;

const MAX_KEY_ID_LENGTH = 32;
const KEY_ID_AT = 14;
const WRAPPED_KEY_AT = KEY_ID_AT + MAX_KEY_ID_LENGTH;
const RESERVED_AT = WRAPPED_KEY_AT + WRAPPED_KEY_SIZE;

export interface BlobHeader {
  version: number;
  segmentSize: number;
  /** Id of the master key that wrapped the data key. */
  keyId: string;
  /** The data key sealed under that master key: nonce ‖ ciphertext ‖ tag. */
  wrappedKey: Buffer;
}

/** Header bytes [0, 46): everything the wrapped key is bound to, apart from the binding. */
function headerPrefix(version: number, segmentSize: number, keyId: string): Buffer {
  const bytes = Buffer.alloc(WRAPPED_KEY_AT);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt8(version, 8);
  bytes.writeUInt8(keyId.length, 9);
  bytes.writeUInt32BE(segmentSize, 10);
  bytes.write(keyId, KEY_ID_AT, 'latin1');
  return bytes;
}

/**
 * AAD of the wrapped data key: header bytes [0, 46) ‖ u32 BE byte length of the binding ‖
 * the binding in UTF-8. Binding the key to the blob's storage key means a blob copied over
 * another file's blob fails to unwrap, even though both were wrapped by the same master key.
 */
export function wrapAad(
  header: Pick<BlobHeader, 'version' | 'segmentSize' | 'keyId'>,
  binding: string,
): Buffer {
  const encoded = Buffer.from(binding, 'utf8');
  if (encoded.length === 0) throw new RangeError('A blob binding must not be empty');

  const length = Buffer.alloc(4);
  length.writeUInt32BE(encoded.length, 0);
  return Buffer.concat([
    headerPrefix(header.version, header.segmentSize, header.keyId),
    length,
    encoded,
  ]);
}

export function encodeHeader(header: BlobHeader): Buffer {
  if (header.version !== FORMAT_VERSION)
    throw new RangeError('Only the current version is written');
  if (!isValidSegmentSize(header.segmentSize)) throw new RangeError('Invalid segment size');
  if (!isValidKeyId(header.keyId)) throw new RangeError('Invalid master key id');
  if (header.wrappedKey.length !== WRAPPED_KEY_SIZE) throw new RangeError('Invalid wrapped key');

  const bytes = Buffer.alloc(HEADER_SIZE);
  headerPrefix(header.version, header.segmentSize, header.keyId).copy(bytes, 0);
  header.wrappedKey.copy(bytes, WRAPPED_KEY_AT);
  return bytes;
}

/**
 * Reads the first HEADER_SIZE bytes of a blob. Every byte is checked (reserved and padding
 * bytes must be zero), so any change to the header is refused here or at unwrap.
 */
export function decodeHeader(bytes: Buffer): BlobHeader {
  if (bytes.length < HEADER_SIZE) {
    throw damaged(`The header has ${bytes.length} bytes; it needs ${HEADER_SIZE}`);
  }
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw damaged('The blob does not start with the encrypted blob magic bytes');
  }
  const version = bytes.readUInt8(8);
  if (version !== FORMAT_VERSION) throw new UnsupportedBlobFormatError(version);

  const keyIdLength = bytes.readUInt8(9);
  if (keyIdLength < 1 || keyIdLength > MAX_KEY_ID_LENGTH) {
    throw damaged(`The header gives a key id length of ${keyIdLength}`);
  }
  const keyId = bytes.toString('latin1', KEY_ID_AT, KEY_ID_AT + keyIdLength);
  if (!isValidKeyId(keyId)) throw damaged('The header holds a malformed key id');
  if (!isZero(bytes.subarray(KEY_ID_AT + keyIdLength, WRAPPED_KEY_AT))) {
    throw damaged('The key id padding in the header is not zero');
  }
  const segmentSize = bytes.readUInt32BE(10);
  if (!isValidSegmentSize(segmentSize)) {
    throw damaged(`The header gives an invalid segment size of ${segmentSize}`);
  }
  if (!isZero(bytes.subarray(RESERVED_AT, HEADER_SIZE))) {
    throw damaged('The reserved bytes of the header are not zero');
  }

  const wrappedKey = Buffer.from(bytes.subarray(WRAPPED_KEY_AT, RESERVED_AT));
  return { version, segmentSize, keyId, wrappedKey };
}

function isZero(bytes: Buffer): boolean {
  return bytes.every((byte) => byte === 0);
}

function damaged(message: string): DamagedBlobError {
  return new DamagedBlobError('header', message);
}
