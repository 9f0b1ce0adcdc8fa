import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DamagedBlobError,
  decodeHeader,
  encodeHeader,
  FORMAT_VERSION,
  HEADER_SIZE,
  newDataKey,
  UnsupportedBlobFormatError,
  wrapDataKey,
} from '../../../src/storage/encryption/index.js';
import { ENTRY_1, ringOf } from './helpers.js';

const header = wrapDataKey(ringOf(ENTRY_1), newDataKey(), 'blob-h', { segmentSize: 4096 });
const encoded = encodeHeader(header);

function changed(offset: number, value: number): Buffer {
  const bytes = Buffer.from(encoded);
  bytes[offset] = value;
  return bytes;
}

function assertMalformed(bytes: Buffer, message: RegExp): void {
  assert.throws(
    () => decodeHeader(bytes),
    (error) =>
      error instanceof DamagedBlobError && error.part === 'header' && message.test(error.message),
  );
}

describe('blob header', () => {
  it('encodes to exactly HEADER_SIZE bytes and decodes back', () => {
    assert.equal(encoded.length, HEADER_SIZE);
    assert.equal(encoded.subarray(0, 8).toString('latin1'), 'KHAZENC\0');
    assert.deepEqual(decodeHeader(encoded), header);
    assert.deepEqual(header.version, FORMAT_VERSION);
  });

  it('decodes the header from the start of a longer read', () => {
    assert.deepEqual(decodeHeader(Buffer.concat([encoded, Buffer.alloc(100, 9)])), header);
  });

  it('names what is wrong with a malformed header', () => {
    assertMalformed(encoded.subarray(0, 100), /has 100 bytes/);
    assertMalformed(changed(0, 0x58), /magic/);
    assertMalformed(changed(9, 0), /key id length of 0/);
    assertMalformed(changed(9, 33), /key id length of 33/);
    assertMalformed(changed(14, 0x2e), /malformed key id/);
    assertMalformed(changed(14 + 31, 1), /padding/);
    assertMalformed(changed(10, 0xff), /segment size/);
    assertMalformed(changed(HEADER_SIZE - 1, 1), /reserved/);
  });

  it('refuses a format version it does not know, with its own error', () => {
    assert.throws(
      () => decodeHeader(changed(8, 2)),
      (error) =>
        error instanceof UnsupportedBlobFormatError &&
        error.code === 'blob_format_unsupported' &&
        error.version === 2,
    );
  });

  it('refuses to encode what it could not decode', () => {
    assert.throws(() => encodeHeader({ ...header, keyId: 'not valid!' }), RangeError);
    assert.throws(() => encodeHeader({ ...header, segmentSize: 1000 }), RangeError);
    assert.throws(() => encodeHeader({ ...header, wrappedKey: Buffer.alloc(10) }), RangeError);
  });
});
