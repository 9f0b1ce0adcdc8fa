import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ciphertextSize,
  DamagedBlobError,
  HEADER_SIZE,
  plaintextSize,
  resumePoint,
  SEGMENT_OVERHEAD,
  SEGMENT_SIZE,
} from '../../../src/storage/encryption/index.js';

const S = SEGMENT_SIZE;
const STORED = S + SEGMENT_OVERHEAD;

describe('blob geometry', () => {
  it('adds the header and 28 bytes per segment, with one segment for an empty file', () => {
    assert.equal(ciphertextSize(0), HEADER_SIZE + SEGMENT_OVERHEAD);
    assert.equal(ciphertextSize(1), HEADER_SIZE + 1 + SEGMENT_OVERHEAD);
    assert.equal(ciphertextSize(S), HEADER_SIZE + STORED);
    assert.equal(ciphertextSize(S + 1), HEADER_SIZE + STORED + 1 + SEGMENT_OVERHEAD);
    assert.equal(ciphertextSize(10 * 1024 ** 3), HEADER_SIZE + 10 * 1024 ** 3 + 163840 * 28);
  });

  it('inverts ciphertextSize for every size around segment edges', () => {
    for (const segmentSize of [16, 32, S, 1024 * 1024]) {
      for (let size = 0; size < 3 * segmentSize + 3; size += size < 40 ? 1 : segmentSize / 16) {
        for (const candidate of [size, size + segmentSize - 1]) {
          const stored = ciphertextSize(candidate, segmentSize);
          assert.equal(plaintextSize(stored, segmentSize), candidate);
        }
      }
    }
  });

  it('throws a typed error for sizes no blob can have', () => {
    const impossible = [
      0,
      HEADER_SIZE,
      HEADER_SIZE + SEGMENT_OVERHEAD - 1,
      HEADER_SIZE + STORED + 5,
      HEADER_SIZE + STORED + SEGMENT_OVERHEAD,
      HEADER_SIZE + 2.5,
    ];
    for (const size of impossible) {
      assert.throws(
        () => plaintextSize(size),
        (error) => error instanceof DamagedBlobError && error.part === 'length',
        `size ${size}`,
      );
    }
  });

  it('refuses segment sizes that are not powers of two from 16 B to 16 MiB', () => {
    for (const segmentSize of [0, 8, 1000, 32 * 1024 * 1024]) {
      assert.throws(() => ciphertextSize(10, segmentSize), RangeError);
    }
  });
});

describe('resumePoint', () => {
  it('keeps the full segments and points at what follows them', () => {
    assert.deepEqual(resumePoint(HEADER_SIZE), {
      segmentSize: S,
      fullSegments: 0,
      truncateAt: HEADER_SIZE,
      tailLength: 0,
    });
    assert.deepEqual(resumePoint(HEADER_SIZE + 2 * STORED + 40), {
      segmentSize: S,
      fullSegments: 2,
      truncateAt: HEADER_SIZE + 2 * STORED,
      tailLength: 40,
    });
  });

  it('refuses a blob without a whole header', () => {
    assert.throws(() => resumePoint(HEADER_SIZE - 1), DamagedBlobError);
  });
});
