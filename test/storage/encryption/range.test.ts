import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  type CiphertextSource,
  decryptRange,
  HEADER_SIZE,
  SEGMENT_OVERHEAD,
  SEGMENT_SIZE,
  segmentRange,
} from '../../../src/storage/encryption/index.js';
import { collect, encryptBlob, patterned, streamSource } from './helpers.js';

const S = SEGMENT_SIZE;
const STORED = S + SEGMENT_OVERHEAD;
const SIZE = 4 * S + 1000;
const plaintext = patterned(SIZE);
const encrypted = encryptBlob(plaintext);

/** A random-read source that records every byte range it was asked for. */
function recordingSource(): { source: CiphertextSource; reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  const source: CiphertextSource = {
    read: async (offset, length) => {
      reads.push([offset, offset + length]);
      return encrypted.blob.subarray(offset, offset + length);
    },
  };
  return { source, reads };
}

/** HTTP-style inclusive ranges, as `bytes=a-b`, `bytes=a-` and `bytes=-n` resolve to. */
const SHAPES: Array<[string, number, number]> = [
  ['the whole file', 0, SIZE - 1],
  ['the first byte', 0, 0],
  ['the last byte', SIZE - 1, SIZE - 1],
  ['an open-ended range from the middle (bytes=100000-)', 100_000, SIZE - 1],
  ['a suffix of 10 bytes (bytes=-10)', SIZE - 10, SIZE - 1],
  ['a suffix longer than the last segment', SIZE - 5000, SIZE - 1],
  ['the last byte of a segment', S - 1, S - 1],
  ['the first byte of a segment', S, S],
  ['the two bytes around a segment edge', S - 1, S],
  ['exactly one segment', S, 2 * S - 1],
  ['a range across three segment edges', S - 5, 4 * S + 5],
  ['a range inside one segment', 2 * S + 10, 2 * S + 20],
  ['a range ending in the partial last segment', 3 * S + 1, SIZE - 2],
];

describe('decryptRange', () => {
  for (const [shape, first, last] of SHAPES) {
    it(`returns exactly ${shape}, reading only the segments it overlaps`, async () => {
      const { source, reads } = recordingSource();
      const options = { dataKey: encrypted.dataKey, source, plaintextSize: SIZE };
      const read = await collect(decryptRange({ ...options, start: first, end: last + 1 }));
      assert.ok(read.equals(plaintext.subarray(first, last + 1)));

      const range = segmentRange(first, last + 1, SIZE);
      const lowest = Math.min(...reads.map(([from]) => from));
      const highest = Math.max(...reads.map(([, to]) => to));
      assert.equal(lowest, HEADER_SIZE + Math.floor(first / S) * STORED);
      assert.equal(highest, range.offset + range.length);
    });
  }

  it('returns the same bytes from a streamed source', async () => {
    const source = streamSource(encrypted.blob, 4093);
    for (const [, first, last] of SHAPES) {
      const options = { dataKey: encrypted.dataKey, source, plaintextSize: SIZE };
      const read = await collect(decryptRange({ ...options, start: first, end: last + 1 }));
      assert.ok(read.equals(plaintext.subarray(first, last + 1)));
    }
  });

  it('reads in bounded batches, never the whole file at once', async () => {
    const { source, reads } = recordingSource();
    const options = { dataKey: encrypted.dataKey, source, plaintextSize: SIZE };
    await collect(decryptRange({ ...options, start: 0, end: SIZE }));
    for (const [from, to] of reads) assert.ok(to - from <= 4 * STORED);
  });

  it('closes the source stream when the reader goes away early', async () => {
    let opened: Readable | undefined;
    const source: CiphertextSource = {
      open: (offset, length) => {
        opened = Readable.from([encrypted.blob.subarray(offset, offset + length)]);
        return opened;
      },
    };
    const stream = decryptRange({
      dataKey: encrypted.dataKey,
      source,
      plaintextSize: SIZE,
      start: 0,
      end: SIZE,
    });
    for await (const _piece of stream) break;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stream.destroyed, true);
    assert.equal(opened?.destroyed, true);
  });

  it('refuses a range outside the file before reading anything', () => {
    const { source, reads } = recordingSource();
    const options = { dataKey: encrypted.dataKey, source, plaintextSize: SIZE };
    assert.throws(() => decryptRange({ ...options, start: 0, end: SIZE + 1 }), RangeError);
    assert.throws(() => decryptRange({ ...options, start: 10, end: 5 }), RangeError);
    assert.throws(() => decryptRange({ ...options, start: -1, end: 5 }), RangeError);
    assert.equal(reads.length, 0);
  });

  it('returns nothing for an empty range inside the file', async () => {
    const { source, reads } = recordingSource();
    const options = { dataKey: encrypted.dataKey, source, plaintextSize: SIZE };
    assert.equal((await collect(decryptRange({ ...options, start: 5, end: 5 }))).length, 0);
    assert.equal(reads.length, 0);
  });
});

describe('segmentRange', () => {
  it('maps a plaintext range to segments, a ciphertext range and a skip', () => {
    assert.deepEqual(segmentRange(S + 10, 3 * S, 10 * S), {
      first: 1,
      last: 2,
      offset: HEADER_SIZE + STORED,
      length: 2 * STORED,
      skip: 10,
    });
    assert.deepEqual(segmentRange(S, S + 5, S + 5), {
      first: 1,
      last: 1,
      offset: HEADER_SIZE + STORED,
      length: 5 + SEGMENT_OVERHEAD,
      skip: 0,
    });
  });

  it('maps the whole of an empty file to its one empty segment', () => {
    assert.deepEqual(segmentRange(0, 0, 0), {
      first: 0,
      last: 0,
      offset: HEADER_SIZE,
      length: SEGMENT_OVERHEAD,
      skip: 0,
    });
  });
});
