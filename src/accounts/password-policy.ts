import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { checkPasswordLength, normalizePassword } from './password.js';

// The 10,000 most common passwords (SecLists, MIT; see common-passwords-license.txt).
const COMMON_PASSWORDS = new Set(
  readFileSync(join(projectRoot, 'src', 'accounts', 'common-passwords.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(comparable),
);

function comparable(password: string): string {
  return normalizePassword(password).toLowerCase();
}

/** Case does not make a listed password safe: "Password123" is as guessable as "password123". */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(comparable(password));
}

/** The rules for a password someone chooses, at registration and at a change. */
export function checkNewPassword(password: string, confirmation: string): void {
  const length = checkPasswordLength(password);
  if (length !== 'ok') throw new AppError(`password_${length}`);
  if (isCommonPassword(password)) throw new AppError('password_too_common');
  if (password !== confirmation) throw new AppError('password_mismatch');
}
