import { bigint, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Stored normalised (NFKC, trimmed, lower case), so comparisons are case-insensitive. */
  email: text('email').notNull().unique(),
  /** A PHC string: the Argon2id parameters travel with the hash. */
  passwordHash: text('password_hash').notNull(),
  quotaBytes: bigint('quota_bytes', { mode: 'number' }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the cookie token, hex: a stolen database yields no usable session. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    userAgent: text('user_agent').notNull().default(''),
    /** The client address truncated (IPv4 /24, IPv6 /48); never the full address. */
    ipPrefix: text('ip_prefix').notNull().default(''),
  },
  (table) => [index('sessions_user_id_idx').on(table.userId)],
);
