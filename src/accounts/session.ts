import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, gt, lt, ne } from 'drizzle-orm';
import type { Database } from '../db/connect.js';
import { sessions, users } from './tables.js';

export const SESSION_ROLLING_MS = 14 * 24 * 3600_000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600_000;
// Extending on every request would write to the database on every request; an hour of
// slack keeps the rolling window honest at a fraction of the writes.
const RENEW_AFTER_MS = 3600_000;

export interface SessionUser {
  id: string;
  email: string;
  quotaBytes: number;
}

export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
}

export type SessionValidation =
  | { status: 'valid'; session: Session; user: SessionUser; renewed: boolean }
  | { status: 'invalid' };

/** 256 random bits; only its SHA-256 is stored, so a stolen database opens no session. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(
  db: Database,
  userId: string,
  client: { userAgent: string; ipPrefix: string },
  now = new Date(),
): Promise<{ token: string; session: Session }> {
  const token = generateSessionToken();
  const session: Session = {
    id: hashSessionToken(token),
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + SESSION_ROLLING_MS),
  };
  await db.insert(sessions).values({
    ...session,
    lastSeenAt: now,
    userAgent: client.userAgent.slice(0, 512),
    ipPrefix: client.ipPrefix,
  });
  return { token, session };
}

export async function validateSessionToken(
  db: Database,
  token: string,
  now = new Date(),
): Promise<SessionValidation> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { status: 'invalid' };

  const id = hashSessionToken(token);
  const [row] = await db
    .select({
      session: sessions,
      user: { id: users.id, email: users.email, quotaBytes: users.quotaBytes },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id));
  if (!row) return { status: 'invalid' };

  const { session, user } = row;
  const cap = session.createdAt.getTime() + SESSION_ABSOLUTE_MS;
  if (now.getTime() >= session.expiresAt.getTime() || now.getTime() >= cap) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return { status: 'invalid' };
  }

  const rolled = Math.min(now.getTime() + SESSION_ROLLING_MS, cap);
  const renewed = rolled - session.expiresAt.getTime() >= RENEW_AFTER_MS;
  if (renewed) {
    session.expiresAt = new Date(rolled);
    await db
      .update(sessions)
      .set({ expiresAt: session.expiresAt, lastSeenAt: now })
      .where(eq(sessions.id, id));
  }
  return {
    status: 'valid',
    session: {
      id,
      userId: session.userId,
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
    },
    user,
    renewed,
  };
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

export interface ActiveSession {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string;
  ipPrefix: string;
}

/** A person's sessions that still open their account, most recently used first. */
export async function listActiveSessions(
  db: Database,
  userId: string,
  now = new Date(),
): Promise<ActiveSession[]> {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      userAgent: sessions.userAgent,
      ipPrefix: sessions.ipPrefix,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt));
}

/** Ends one of the person's own sessions; false when the id is not one of theirs. */
export async function revokeSession(
  db: Database,
  userId: string,
  sessionId: string,
): Promise<boolean> {
  const removed = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
  return removed.length > 0;
}

/** After a password change: every other device has to sign in with the new password. */
export async function revokeOtherSessions(
  db: Database,
  userId: string,
  keepSessionId: string,
): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)));
}

export async function revokeAllSessions(db: Database, userId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
}

/** Returns how many sessions were removed. */
export async function deleteExpiredSessions(db: Database, now = new Date()): Promise<number> {
  const removed = await db
    .delete(sessions)
    .where(and(lt(sessions.expiresAt, now)))
    .returning({ id: sessions.id });
  return removed.length;
}
