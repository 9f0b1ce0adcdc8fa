import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  encodeHeader,
  type HashCheckpoint,
  HEADER_SIZE,
  hashStoredPrefix,
  NONCE_SIZE,
  newDataKey,
  type ResumeState,
  readResumeState,
  reuseCheckpoint,
  SEGMENT_SIZE,
  SegmentEncryptor,
  UploadLengthExceededError,
  wrapDataKey,
} from '../../../src/storage/encryption/index.js';
import { ENTRY_1, MiB, memorySource, patterned, readAll, ringOf, sha256 } from './helpers.js';

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seeded(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}

/** An upload in a simulated store: the blob as stored, and every nonce ever written. */
class Upload {
  blob: Buffer;
  readonly dataKey: KeyObject = newDataKey();
  readonly nonces: string[] = [];
  checkpoint: HashCheckpoint | undefined;
  reusedCheckpoints = 0;

  constructor(
    readonly totalSize: number,
    readonly segmentSize = SEGMENT_SIZE,
  ) {
    const header = wrapDataKey(ringOf(ENTRY_1), this.dataKey, 'blob-r', { segmentSize });
    this.blob = encodeHeader(header);
  }

  state(): Promise<ResumeState> {
    return readResumeState({
      dataKey: this.dataKey,
      segmentSize: this.segmentSize,
      totalSize: this.totalSize,
      storedSize: this.blob.length,
      source: memorySource(this.blob),
    });
  }

  /** One PATCH request, following the resume protocol the data store uses. */
  async request(chunks: Buffer[], options: { keepCheckpoint: boolean }): Promise<SegmentEncryptor> {
    const state = await this.state();
    const reused = reuseCheckpoint(options.keepCheckpoint ? this.checkpoint : undefined, state);
    if (reused) this.reusedCheckpoints += 1;
    const prefixHash =
      reused ?? (await hashStoredPrefix(this.dataKey, state, memorySource(this.blob)));
    const encryptor = SegmentEncryptor.resume({
      dataKey: this.dataKey,
      totalSize: this.totalSize,
      state,
      prefixHash,
    });

    assert.equal(encryptor.storedOffset, state.truncateAt);
    this.blob = this.blob.subarray(0, state.truncateAt);
    for (const chunk of chunks) this.append(encryptor.write(chunk));
    this.append(encryptor.flush());
    this.checkpoint = encryptor.complete ? undefined : encryptor.checkpoint();
    return encryptor;
  }

  private append(segments: Buffer[]): void {
    for (const segment of segments) {
      this.nonces.push(segment.subarray(0, NONCE_SIZE).toString('hex'));
      this.blob = Buffer.concat([this.blob, segment]);
    }
  }
}

/** Sends `plaintext` from the stored offset in requests of random sizes, split in chunks. */
async function uploadWithPauses(
  upload: Upload,
  plaintext: Buffer,
  random: (below: number) => number,
  maxRequest: number,
): Promise<SegmentEncryptor> {
  for (let turn = 0; ; turn++) {
    const offset = (await upload.state()).plaintextOffset;
    const end = Math.min(plaintext.length, offset + random(maxRequest + 1));
    const chunks: Buffer[] = [];
    for (let at = offset; at < end; ) {
      const next = Math.min(end, at + 1 + random(maxRequest / 4 + 1));
      chunks.push(plaintext.subarray(at, next));
      at = next;
    }
    const encryptor = await upload.request(chunks, { keepCheckpoint: turn % 3 !== 0 });
    if (encryptor.complete) return encryptor;
  }
}

async function assertUploaded(upload: Upload, encryptor: SegmentEncryptor, plaintext: Buffer) {
  assert.deepEqual(encryptor.sha256(), sha256(plaintext));
  const stored = await readAll(upload, plaintext.length, upload.segmentSize);
  assert.ok(stored.equals(plaintext));
  assert.equal(new Set(upload.nonces).size, upload.nonces.length, 'a nonce was used twice');
}

describe('an upload paused and resumed', () => {
  it('across many requests of random sizes: same bytes, same hash, fresh nonces', async () => {
    const plaintext = patterned(MiB + 777);
    const upload = new Upload(plaintext.length);
    const encryptor = await uploadWithPauses(upload, plaintext, seeded(7), 60_000);
    await assertUploaded(upload, encryptor, plaintext);
    assert.ok(upload.reusedCheckpoints > 0);
  });

  it('across hundreds of pauses with tiny segments, some on segment edges', async () => {
    for (const seed of [1, 2, 3]) {
      const plaintext = patterned(6000, seed);
      const upload = new Upload(plaintext.length, 32);
      const encryptor = await uploadWithPauses(upload, plaintext, seeded(seed), 40);
      await assertUploaded(upload, encryptor, plaintext);
    }
  });

  it('drops a torn write and takes the bytes again from the offset it reports', async () => {
    const plaintext = patterned(5000);
    const upload = new Upload(plaintext.length, 64);
    const random = seeded(11);
    let reached = (await upload.request([plaintext.subarray(0, 1000)], { keepCheckpoint: true }))
      .plaintextOffset;
    let dropped = 0;
    for (let round = 0; round < 30; round++) {
      upload.blob = upload.blob.subarray(0, HEADER_SIZE + random(upload.blob.length - HEADER_SIZE));
      const state = await upload.state();
      assert.ok(state.plaintextOffset <= reached);
      if (state.tailDropped) dropped += 1;
      const end = Math.min(plaintext.length - 1, state.plaintextOffset + 300);
      const chunk = plaintext.subarray(state.plaintextOffset, end);
      reached = (await upload.request([chunk], { keepCheckpoint: true })).plaintextOffset;
    }
    assert.ok(dropped > 0);
    const state = await upload.state();
    const last = await upload.request([plaintext.subarray(state.plaintextOffset)], {
      keepCheckpoint: true,
    });
    await assertUploaded(upload, last, plaintext);
  });

  it('recognises a finished upload that was not yet recorded, at any final size', async () => {
    for (const size of [0, 1, 64, 100, 128]) {
      const plaintext = patterned(size);
      const upload = new Upload(size, 64);
      await upload.request([plaintext], { keepCheckpoint: false });
      const stored = Buffer.from(upload.blob);

      const state = await upload.state();
      assert.equal(state.complete, true);
      assert.equal(state.plaintextOffset, size);
      assert.equal(state.truncateAt, stored.length);
      const again = await upload.request([], { keepCheckpoint: false });
      assert.ok(again.complete);
      assert.deepEqual(again.sha256(), sha256(plaintext));
      assert.ok(upload.blob.equals(stored));
    }
  });

  it('reuses a hash checkpoint only for the exact stored tail it was taken with', async () => {
    const plaintext = patterned(500);
    const upload = new Upload(plaintext.length, 64);
    await upload.request([plaintext.subarray(0, 100)], { keepCheckpoint: true });
    const first = upload.checkpoint;
    assert.ok(first && first.tailNonce !== null);
    assert.ok(reuseCheckpoint(first, await upload.state()));

    // Another instance takes an empty request: same offset, provisional sealed anew.
    await upload.request([], { keepCheckpoint: false });
    const state = await upload.state();
    assert.equal(state.plaintextOffset, 100);
    assert.equal(reuseCheckpoint(first, state), undefined);
  });

  it('refuses more bytes than the upload declared', async () => {
    const upload = new Upload(10, 64);
    await assert.rejects(
      upload.request([patterned(11)], { keepCheckpoint: false }),
      (error) =>
        error instanceof UploadLengthExceededError && error.code === 'upload_length_exceeded',
    );
  });
});
