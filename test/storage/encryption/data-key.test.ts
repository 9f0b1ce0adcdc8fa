import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  DamagedBlobError,
  decodeHeader,
  encodeHeader,
  HEADER_SIZE,
  MasterKeyUnknownError,
  newDataKey,
  openBlob,
  rewrapHeader,
  unwrapDataKey,
  verifyBlob,
  wrapDataKey,
} from '../../../src/storage/encryption/index.js';
import {
  ENTRY_1,
  ENTRY_2,
  encryptBlob,
  memorySource,
  patterned,
  readAll,
  ringOf,
} from './helpers.js';

describe('data keys', () => {
  it('are 32 random bytes that never print', () => {
    const key = newDataKey();
    assert.equal(key.symmetricKeySize, 32);
    assert.ok(!newDataKey().equals(key));
    assert.ok(!inspect(key).includes(key.export().toString('hex')));
    assert.equal(JSON.stringify(key), '{}');
  });

  it('unwrap with the same ring and binding', () => {
    const ring = ringOf(ENTRY_1);
    const dataKey = newDataKey();
    const header = wrapDataKey(ring, dataKey, 'blob-1');
    assert.equal(header.keyId, 'test-1');
    assert.ok(unwrapDataKey(ring, decodeHeader(encodeHeader(header)), 'blob-1').equals(dataKey));
  });

  it('do not unwrap for another binding', () => {
    const ring = ringOf(ENTRY_1);
    const header = wrapDataKey(ring, newDataKey(), 'blob-1');
    assert.throws(
      () => unwrapDataKey(ring, header, 'blob-2'),
      (error) => error instanceof DamagedBlobError && error.part === 'wrapped_key',
    );
  });

  it('name the missing master key when its id left the ring', () => {
    const header = wrapDataKey(ringOf(ENTRY_1), newDataKey(), 'blob-1');
    assert.throws(
      () => unwrapDataKey(ringOf(ENTRY_2), header, 'blob-1'),
      (error) =>
        error instanceof MasterKeyUnknownError &&
        error.code === 'master_key_unknown' &&
        error.keyId === 'test-1',
    );
  });
});

describe('key rotation', () => {
  const oldRing = ringOf(ENTRY_1);
  const newRing = ringOf(ENTRY_2, ENTRY_1);
  const plaintext = patterned(200_000);

  it('rewraps a header in place under the newest key, leaving the segments alone', async () => {
    const before = encryptBlob(plaintext, { ring: oldRing, binding: 'blob-1' });
    const header = rewrapHeader(newRing, decodeHeader(before.blob), 'blob-1');
    assert.equal(header.keyId, 'test-2');
    const after = Buffer.from(before.blob);
    encodeHeader(header).copy(after, 0);

    assert.equal(after.length, before.blob.length);
    assert.ok(after.subarray(HEADER_SIZE).equals(before.blob.subarray(HEADER_SIZE)));
    const opened = await openBlob(ringOf(ENTRY_2), 'blob-1', memorySource(after));
    assert.ok(opened.dataKey.equals(before.dataKey));
    assert.ok(
      (await readAll({ blob: after, dataKey: opened.dataKey }, plaintext.length)).equals(plaintext),
    );
  });

  it('reads blobs from before and after rotation while the old key stays', async () => {
    const old = encryptBlob(plaintext, { ring: oldRing, binding: 'blob-old' });
    const fresh = encryptBlob(plaintext, { ring: newRing, binding: 'blob-new' });
    assert.equal(decodeHeader(fresh.blob).keyId, 'test-2');

    for (const [blob, binding] of [
      [old.blob, 'blob-old'],
      [fresh.blob, 'blob-new'],
    ] as const) {
      const source = memorySource(blob);
      const result = await verifyBlob({
        ring: newRing,
        binding,
        source,
        plaintextSize: plaintext.length,
      });
      assert.ok(result.ok);
    }

    const withoutOld = ringOf(ENTRY_2);
    const source = memorySource(old.blob);
    const result = await verifyBlob({
      ring: withoutOld,
      binding: 'blob-old',
      source,
      plaintextSize: plaintext.length,
    });
    assert.ok(!result.ok && result.error instanceof MasterKeyUnknownError);
  });

  it('can move a blob to a new binding while rewrapping', () => {
    const dataKey = newDataKey();
    const header = wrapDataKey(oldRing, dataKey, 'staging-1');
    const moved = rewrapHeader(newRing, header, 'staging-1', { newBinding: 'blob-9' });
    assert.ok(unwrapDataKey(newRing, moved, 'blob-9').equals(dataKey));
    assert.throws(() => unwrapDataKey(newRing, moved, 'staging-1'), DamagedBlobError);
  });
});
