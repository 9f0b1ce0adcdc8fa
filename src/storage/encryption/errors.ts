/**
 * Expected failures of encryption at rest, each with a stable `code`. None of them ever
 * carries key material: messages name the entry, the key id or the segment, nothing more.
 */

/** Which part of a blob failed its check. */
export type DamagedPart = 'header' | 'wrapped_key' | 'segment' | 'length';

/** The blob was altered, truncated, extended, swapped or torn: its bytes cannot be trusted. */
export class DamagedBlobError extends Error {
  readonly code = 'blob_damaged';
  readonly part: DamagedPart;
  readonly segmentIndex: number | undefined;

  constructor(part: DamagedPart, message: string, segmentIndex?: number) {
    super(message);
    this.name = 'DamagedBlobError';
    this.part = part;
    this.segmentIndex = segmentIndex;
  }
}

/** The blob was written by a format version this build does not read. */
export class UnsupportedBlobFormatError extends Error {
  readonly code = 'blob_format_unsupported';
  readonly version: number;

  constructor(version: number) {
    super(`Encrypted blob format version ${version} is not supported by this version`);
    this.name = 'UnsupportedBlobFormatError';
    this.version = version;
  }
}

/** The configured master keys cannot be used (malformed list, unsafe key file). */
export class MasterKeyInvalidError extends Error {
  readonly code = 'master_key_invalid';

  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyInvalidError';
  }
}

/** A blob names a master key id that is not in the key ring. */
export class MasterKeyUnknownError extends Error {
  readonly code = 'master_key_unknown';
  readonly keyId: string;

  constructor(keyId: string) {
    super(`Master key "${keyId}" is not in the key ring; it is needed to open this blob`);
    this.name = 'MasterKeyUnknownError';
    this.keyId = keyId;
  }
}

/** More plaintext was offered than the upload declared. */
export class UploadLengthExceededError extends Error {
  readonly code = 'upload_length_exceeded';

  constructor(totalSize: number) {
    super(`The upload declared ${totalSize} bytes and more were sent`);
    this.name = 'UploadLengthExceededError';
  }
}

export type EncryptionError =
  | DamagedBlobError
  | UnsupportedBlobFormatError
  | MasterKeyInvalidError
  | MasterKeyUnknownError
  | UploadLengthExceededError;
