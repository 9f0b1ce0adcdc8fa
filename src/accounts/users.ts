import { eq } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import {
  checkPasswordLength,
  getDummyHash,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './password.js';
import { users } from './tables.js';

export interface AccountSettings {
  passwordPepper: string;
  defaultQuotaBytes: number;
}

const EMAIL_MAX_LENGTH = 254;
// Deliberately simple: one @, something on each side, a dot in the domain, no spaces.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  return email.length <= EMAIL_MAX_LENGTH && EMAIL_SHAPE.test(email) && !/\p{Cc}/u.test(email);
}

export async function registerUser(
  db: Database,
  settings: AccountSettings,
  input: { email: string; password: string; passwordConfirmation: string },
): Promise<{ id: string; email: string }> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) throw new AppError('email_invalid');

  const length = checkPasswordLength(input.password);
  if (length !== 'ok') throw new AppError(`password_${length}`);
  if (input.password !== input.passwordConfirmation) throw new AppError('password_mismatch');

  const passwordHash = await hashPassword(input.password, settings.passwordPepper);
  const [created] = await db
    .insert(users)
    .values({ email, passwordHash, quotaBytes: settings.defaultQuotaBytes })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id, email: users.email });
  if (!created) throw new AppError('email_taken');
  return created;
}

/** The user when the email and password match; null otherwise, whichever was wrong. */
export async function authenticateUser(
  db: Database,
  settings: AccountSettings,
  input: { email: string; password: string },
): Promise<{ id: string; email: string } | null> {
  const email = normalizeEmail(input.email);
  // Over-long passwords are refused before any hashing work is spent on them.
  if (checkPasswordLength(input.password) === 'too_long') return null;

  const [user] = isValidEmail(email)
    ? await db.select().from(users).where(eq(users.email, email))
    : [];

  // An unknown email is checked against a dummy hash so that it costs the same time as
  // a wrong password: the answer must not reveal which accounts exist.
  const phc = user?.passwordHash ?? (await getDummyHash(settings.passwordPepper));
  const matches = await verifyPassword(phc, input.password, settings.passwordPepper);
  if (!user || !matches) return null;

  if (needsRehash(user.passwordHash)) {
    const passwordHash = await hashPassword(input.password, settings.passwordPepper);
    await db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
  }
  return { id: user.id, email: user.email };
}
