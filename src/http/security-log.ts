import type { FastifyRequest } from 'fastify';
import type { LogCategory } from './logging.js';

/** The events a security review looks for; a closed set, like the log categories. */
export type SecurityEvent =
  | 'sign_in'
  | 'sign_out'
  | 'register'
  | 'account_locked'
  | 'rate_limited'
  | 'csrf_refused'
  | 'cross_site_refused'
  | 'foreign_id'
  | 'password_change'
  | 'session_revoked';

export type Outcome = 'success' | 'failure' | 'refused';

/**
 * One line per event with the request id, user id (never the email) and the line's UTC
 * time. `foreign_id` is any 404 on a file or upload id: a missing id and another person's id
 * look the same by design, so both are recorded.
 */
export function logSecurityEvent(
  request: FastifyRequest,
  event: SecurityEvent,
  outcome: Outcome,
  userId: string | undefined = request.user?.id,
): void {
  const category: LogCategory = 'security';
  request.log.info({ category, event, outcome, userId }, `${event}: ${outcome}`);
}
