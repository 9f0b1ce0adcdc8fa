export { type RandomSource, systemRandom } from './aes-gcm.js';
export type { CiphertextSource, OpenCiphertext, ReadCiphertext } from './blob-source.js';
export {
  newDataKey,
  type RewrapOptions,
  rewrapHeader,
  unwrapDataKey,
  type WrapOptions,
  wrapDataKey,
} from './data-key.js';
export {
  type DecryptRangeOptions,
  decryptRange,
  decryptRangeChunks,
  type OpenedBlob,
  openBlob,
  type VerifyOptions,
  type VerifyResult,
  verifyBlob,
} from './decryptor.js';
export { encryptStream } from './encrypt-stream.js';
export {
  type EncryptorOptions,
  type HashCheckpoint,
  type ResumeOptions,
  SegmentEncryptor,
} from './encryptor.js';
export {
  DamagedBlobError,
  type DamagedPart,
  type EncryptionError,
  MasterKeyInvalidError,
  MasterKeyUnknownError,
  UnsupportedBlobFormatError,
  UploadLengthExceededError,
} from './errors.js';
export {
  ciphertextSize,
  FORMAT_VERSION,
  HEADER_SIZE,
  NONCE_SIZE,
  plaintextSize,
  type ResumePoint,
  resumePoint,
  SEGMENT_OVERHEAD,
  SEGMENT_SIZE,
  type SegmentRange,
  segmentRange,
} from './format.js';
export { type BlobHeader, decodeHeader, encodeHeader } from './header.js';
export {
  type DevKeys,
  generateMasterKeyEntry,
  loadOrCreateDevKeys,
  MASTER_KEYS_VARIABLE,
  MasterKey,
  MasterKeyRing,
  parseMasterKeys,
} from './keys.js';
export {
  hashStoredPrefix,
  type ResumeInput,
  type ResumeState,
  readResumeState,
  reuseCheckpoint,
} from './resume.js';
