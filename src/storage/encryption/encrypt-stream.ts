import { Transform } from 'node:stream';
import type { SegmentEncryptor } from './encryptor.js';

/**
 * The stream form of one upload request: plaintext in, stored segments out. At the end of
 * the input it emits what `flush` returns (the final or the provisional segment). When
 * the input fails instead (an aborted request) nothing is flushed; calling
 * `encryptor.flush()` then and writing its output keeps the received bytes, and skipping
 * it is just as safe: the next request resumes from whatever was stored.
 */
export function encryptStream(encryptor: SegmentEncryptor): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        for (const segment of encryptor.write(chunk)) this.push(segment);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        for (const segment of encryptor.flush()) this.push(segment);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
