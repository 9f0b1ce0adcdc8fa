/**
 * Fixed test vectors: a fixed master key, data key, binding and plaintext, and nonces from
 * a seeded source, must give these exact bytes. A change here is a change of the on-disk
 * format, which every stored file depends on. The second test reads the first vector with
 * a decoder written from docs/ENCRYPTION.md alone, so the document and the code agree.
 */
import assert from 'node:assert/strict';
import { createDecipheriv, createSecretKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { ENTRY_1, encryptBlob, KEY_1, patterned, ringOf, seededRandom, sha256 } from './helpers.js';

const DATA_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x20 + i));
const TEXT = 'Khaznati DZ keeps this file safe, segment after segment, byte by byte.';

const VECTOR_A = {
  headerStart: [
    '4b48415a454e4300010600000020746573742d31000000000000000000000000',
    '0000000000000000000000000000',
  ].join(''),
  wrappedKey: [
    'b80e51ee86ed51bea71c8ba9b4d52cee863253de6817bb34206bc798a3b43e22',
    'd39322ec96f6a7c3800d5aac867868bac9096cf0cb4264f4aaf11f95',
  ].join(''),
  segments: [
    '6319bcfa06efdd41433056391958ee015edd018990e6086f7307d23bbc06dfd6' +
      '4103a63293a65ff357b4ef8db8504d250826f2e35a977e5576564800',
    '9e9303369452116b31591c6a9ca983538af7d349938034ff54c56c5eeedc83a2' +
      '2d66615c0ac3fc2157564ae18d1343bfc43e261c45a8cb75e1cff6f8',
    '07899e3aa05779c01977f2d7a29ac982cd7ea1e9b029cc906fb8917b24059407d7d4',
  ],
};

function vector(plaintext: Buffer, binding: string, label: string, segmentSize?: number) {
  return encryptBlob(plaintext, {
    ring: ringOf(ENTRY_1),
    binding,
    segmentSize,
    random: seededRandom(label),
    dataKey: createSecretKey(Buffer.from(DATA_KEY)),
  });
}

describe('format test vectors', () => {
  it('A: 70 bytes in 32-byte segments give the committed blob, byte for byte', () => {
    const { blob } = vector(Buffer.from(TEXT), 'vector-blob', 'vector-a', 32);
    const expected = Buffer.concat([
      Buffer.from(VECTOR_A.headerStart, 'hex'),
      Buffer.from(VECTOR_A.wrappedKey, 'hex'),
      Buffer.alloc(150),
      ...VECTOR_A.segments.map((segment) => Buffer.from(segment, 'hex')),
    ]);
    assert.equal(blob.toString('hex'), expected.toString('hex'));
  });

  it('A: reads back with a decoder written from the format document', () => {
    const blob = Buffer.concat([
      Buffer.from(VECTOR_A.headerStart, 'hex'),
      Buffer.from(VECTOR_A.wrappedKey, 'hex'),
      Buffer.alloc(150),
      ...VECTOR_A.segments.map((segment) => Buffer.from(segment, 'hex')),
    ]);
    assert.equal(blob.subarray(0, 8).toString('latin1'), 'KHAZENC\0');
    assert.equal(blob[8], 1);
    const keyId = blob.subarray(14, 14 + blob[9]!).toString('latin1');
    assert.equal(keyId, 'test-1');
    const segmentSize = blob.readUInt32BE(10);
    assert.equal(segmentSize, 32);

    const binding = Buffer.from('vector-blob');
    const bindingLength = Buffer.alloc(4);
    bindingLength.writeUInt32BE(binding.length);
    const wrapAad = Buffer.concat([blob.subarray(0, 46), bindingLength, binding]);
    const dataKey = gcmOpen(KEY_1, blob.subarray(46, 106), wrapAad);
    assert.ok(dataKey.equals(DATA_KEY));

    const parts: Buffer[] = [];
    const stored = segmentSize + 28;
    const count = Math.ceil((blob.length - 256) / stored);
    for (let index = 0; index < count; index++) {
      const segment = blob.subarray(256 + index * stored, 256 + (index + 1) * stored);
      const aad = Buffer.alloc(9);
      aad.writeBigUInt64BE(BigInt(index));
      aad[8] = index === count - 1 ? 1 : 0;
      parts.push(gcmOpen(dataKey, segment, aad));
    }
    assert.equal(Buffer.concat(parts).toString('utf8'), TEXT);
  });

  it('B: an empty file gives the committed blob of one empty last segment', () => {
    const { blob } = vector(Buffer.alloc(0), 'vector-empty', 'vector-b');
    assert.equal(blob.length, 284);
    assert.equal(
      sha256(blob).toString('hex'),
      '55d7d5a4b84a3e2f54f2bf02ac9ce7065d64ac38ea583b53f92511db8d9d3595',
    );
  });

  it('C: 150 000 bytes in 64 KiB segments give the committed blob and plaintext hash', () => {
    const encrypted = vector(patterned(150_000), 'vector-large', 'vector-c');
    assert.equal(encrypted.blob.length, 150_340);
    assert.equal(
      sha256(encrypted.blob).toString('hex'),
      'f14a287ed2abcecb68adcf2b5dec418b8bdbd5c8fd0d2d74d54ae3e9eb8ce4ab',
    );
    assert.equal(
      encrypted.sha256.toString('hex'),
      '38329a74de80fc639b16e8aaef350d1089cb07905ee0b7e6ba1a89ae725cdaee',
    );
  });
});

/** AES-256-GCM open of nonce ‖ ciphertext ‖ tag, straight from node:crypto. */
function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([
    decipher.update(sealed.subarray(12, sealed.length - 16)),
    decipher.final(),
  ]);
}
