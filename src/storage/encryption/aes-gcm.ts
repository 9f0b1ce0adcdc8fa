import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { NONCE_SIZE, TAG_SIZE } from './format.js';

/** Where nonces and keys come from. Only tests pass their own, to reproduce fixed vectors. */
export type RandomSource = (size: number) => Buffer;

export const systemRandom: RandomSource = (size) => randomBytes(size);

/**
 * AES-256-GCM with a fresh random 96-bit nonce on every call; returns nonce ‖ ciphertext ‖
 * tag. NIST SP 800-38D §8.2.2 allows random nonces of 96 bits as long as one key seals no
 * more than 2^32 messages (§8.3); callers keep to that budget (see MAX_SEGMENTS). A nonce
 * is never chosen by position or counter, because an upload rewrites its provisional
 * segment at the same position and a repeated nonce there would leak both plaintexts.
 */
export function sealAesGcm(
  key: KeyObject,
  aad: Buffer,
  plaintext: Buffer,
  random: RandomSource = systemRandom,
): Buffer {
  const nonce = random(NONCE_SIZE);
  if (nonce.length !== NONCE_SIZE) throw new RangeError('The random source returned a short nonce');

  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
}

/**
 * Opens what `sealAesGcm` produced, or returns null when authentication fails. The
 * plaintext is returned only after the tag has been checked, so no unauthenticated byte
 * ever leaves this function.
 */
export function openAesGcm(key: KeyObject, aad: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < NONCE_SIZE + TAG_SIZE) return null;

  const nonce = sealed.subarray(0, NONCE_SIZE);
  const tag = sealed.subarray(sealed.length - TAG_SIZE);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_SIZE });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = decipher.update(sealed.subarray(NONCE_SIZE, sealed.length - TAG_SIZE));
  try {
    const final = decipher.final();
    return final.length === 0 ? body : Buffer.concat([body, final]);
  } catch {
    return null;
  }
}
