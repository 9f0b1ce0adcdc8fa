import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, errorMessageKey } from '../errors.js';
import { attemptLimit } from '../http/rate-limit.js';
import { logSecurityEvent } from '../http/security-log.js';
import { pageContext, sendPage } from '../web/render.js';
import { AccountPage } from './account-page.js';
import { requireUser } from './auth.js';
import type { AccountRouteOptions } from './routes.js';
import {
  listActiveSessions,
  revokeAllSessions,
  revokeOtherSessions,
  revokeSession,
} from './session.js';
import { endBrowserSession } from './session-cookie.js';
import { changePassword } from './users.js';

const text = (max: number) => z.string().max(max).default('');
const passwordBody = z.object({
  currentPassword: text(4096),
  newPassword: text(4096),
  newPasswordConfirmation: text(4096),
});
const SESSION_ID_SHAPE = /^[0-9a-f]{64}$/;

/** The account page: change the password, see where one is signed in, end any of it. */
export async function accountPageRoutes(app: FastifyInstance, options: AccountRouteOptions) {
  const { hasher, throttle } = options;
  const secure = app.config.env === 'production';

  app.get('/account', { preHandler: requireUser }, async (request, reply) => {
    const query = request.query as { changed?: unknown; revoked?: unknown };
    const ctx = pageContext(request, reply);
    const notice =
      (query.changed === '1' && ctx.t('account.password.changed')) ||
      (query.revoked === '1' && ctx.t('account.sessions.revoked')) ||
      undefined;
    const sessions = await listActiveSessions(app.db, request.user!.id);
    const page = (
      <AccountPage
        ctx={ctx}
        sessions={sessions}
        currentSessionId={request.session!.id}
        notice={notice}
      />
    );
    return sendPage(reply, page);
  });

  app.post(
    '/account/password',
    {
      config: attemptLimit(app.config.authRateLimitPerMinute),
      preHandler: [requireUser, app.csrfProtection],
    },
    async (request, reply) => {
      const body = passwordBody.safeParse(request.body ?? {});
      if (!body.success) throw new AppError('bad_request');
      const user = request.user!;

      // Someone holding a stolen session could guess the current password here: the same
      // per-account count as sign-in applies, checked before any hashing.
      const key = throttle.keyFor(user.email);
      const wait = await throttle.retryAfterSeconds(key);
      if (wait > 0) throw new AppError('account_locked', { retryAfterSeconds: wait });

      try {
        await changePassword(app.db, hasher, user.id, body.data);
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        if (error.code === 'current_password_invalid') await throttle.recordFailure(key);
        logSecurityEvent(request, 'password_change', 'failure');
        const ctx = pageContext(request, reply);
        const sessions = await listActiveSessions(app.db, user.id);
        const page = (
          <AccountPage
            ctx={ctx}
            sessions={sessions}
            currentSessionId={request.session!.id}
            errors={[ctx.t(errorMessageKey(error.code))]}
          />
        );
        return sendPage(reply, page, error.status);
      }

      await revokeOtherSessions(app.db, user.id, request.session!.id);
      logSecurityEvent(request, 'password_change', 'success');
      return reply.redirect('/account?changed=1', 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/account/sessions/:id/revoke',
    { preHandler: [requireUser, app.csrfProtection] },
    async (request, reply) => {
      const { id } = request.params;
      const user = request.user!;
      // Another person's session id is answered exactly like one that does not exist.
      if (!SESSION_ID_SHAPE.test(id) || !(await revokeSession(app.db, user.id, id))) {
        throw new AppError('session_not_found');
      }
      logSecurityEvent(request, 'session_revoked', 'success');
      if (id !== request.session!.id) return reply.redirect('/account?revoked=1', 303);
      endBrowserSession(reply, secure);
      return reply.redirect('/', 303);
    },
  );

  app.post(
    '/account/signout-everywhere',
    { preHandler: [requireUser, app.csrfProtection] },
    async (request, reply) => {
      await revokeAllSessions(app.db, request.user!.id);
      logSecurityEvent(request, 'sign_out', 'success');
      endBrowserSession(reply, secure);
      return reply.redirect('/', 303);
    },
  );
}
