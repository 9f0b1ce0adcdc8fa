import { eq } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { checkPasswordLength, needsRehash, type PasswordHasher } from './password.js';
import { checkNewPassword } from './password-policy.js';
import { users } from './tables.js';

const EMAIL_MAX_LENGTH = 254;
// Deliberately simple: one @, something on each side, a dot in the domain, no spaces.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  return email.length <= EMAIL_MAX_LENGTH && EMAIL_SHAPE.test(email) && !/\p{Cc}/u.test(email);
}

export type Registration = { status: 'created'; userId: string } | { status: 'exists' };

/**
 * Creates the account unless the email is taken. Both outcomes do the same work (one hash,
 * one insert that may conflict), so the caller can answer both alike.
 */
export async function registerUser(
  db: Database,
  hasher: PasswordHasher,
  input: { email: string; password: string; passwordConfirmation: string; quotaBytes: number },
): Promise<Registration> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) throw new AppError('email_invalid');
  checkNewPassword(input.password, input.passwordConfirmation);

  const passwordHash = await hasher.hash(input.password);
  const [created] = await db
    .insert(users)
    .values({ email, passwordHash, quotaBytes: input.quotaBytes })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id });
  return created ? { status: 'created', userId: created.id } : { status: 'exists' };
}

export type Authentication =
  | { status: 'ok'; userId: string }
  | { status: 'wrong_password'; userId: string }
  | { status: 'unknown_email' };

/** Which of the three it was is for the log; the person is told the same for both failures. */
export async function authenticateUser(
  db: Database,
  hasher: PasswordHasher,
  input: { email: string; password: string },
): Promise<Authentication> {
  const email = normalizeEmail(input.email);
  // Over-long passwords are refused before any hashing work is spent on them.
  if (checkPasswordLength(input.password) === 'too_long') return { status: 'unknown_email' };

  const [user] = isValidEmail(email)
    ? await db.select().from(users).where(eq(users.email, email))
    : [];
  // An unknown email is checked against a dummy hash so that it costs the same time as
  // a wrong password: the answer must not reveal which accounts exist.
  if (!user) {
    await hasher.verifyAgainstDummy(input.password);
    return { status: 'unknown_email' };
  }
  if (!(await hasher.verify(user.passwordHash, input.password))) {
    return { status: 'wrong_password', userId: user.id };
  }

  if (needsRehash(user.passwordHash)) {
    const passwordHash = await hasher.hash(input.password);
    await db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
  }
  return { status: 'ok', userId: user.id };
}

/** Checks the current password, then stores the new one. Ending other sessions is the caller's. */
export async function changePassword(
  db: Database,
  hasher: PasswordHasher,
  userId: string,
  input: { currentPassword: string; newPassword: string; newPasswordConfirmation: string },
): Promise<void> {
  if (checkPasswordLength(input.currentPassword) === 'too_long') {
    throw new AppError('current_password_invalid');
  }
  checkNewPassword(input.newPassword, input.newPasswordConfirmation);

  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user || !(await hasher.verify(user.passwordHash, input.currentPassword))) {
    throw new AppError('current_password_invalid');
  }
  const passwordHash = await hasher.hash(input.newPassword);
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}
