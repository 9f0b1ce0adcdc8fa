import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, errorMessageKey } from '../errors.js';
import { anonymizeIp, clientAddress } from '../http/client-ip.js';
import { renewCsrfSecret } from '../http/csrf.js';
import { attemptLimit } from '../http/rate-limit.js';
import { logSecurityEvent } from '../http/security-log.js';
import { pageContext, sendPage } from '../web/render.js';
import { RegisterPage, SignInPage } from './pages.js';
import type { PasswordHasher } from './password.js';
import { createSession, invalidateSession } from './session.js';
import { endBrowserSession, setSessionCookie } from './session-cookie.js';
import type { SignInThrottle } from './sign-in-throttle.js';
import { authenticateUser, registerUser } from './users.js';

// Generous caps: the real rules (email shape, 10–256 characters) give friendlier messages.
const text = (max: number) => z.string().max(max).default('');
const registerBody = z.object({
  email: text(1000),
  password: text(4096),
  passwordConfirmation: text(4096),
});
const signInBody = z.object({ email: text(1000), password: text(4096), next: text(2000) });

export interface AccountRouteOptions {
  hasher: PasswordHasher;
  throttle: SignInThrottle;
}

export async function accountRoutes(app: FastifyInstance, options: AccountRouteOptions) {
  const { config } = app;
  const { hasher, throttle } = options;
  const secure = config.env === 'production';
  const limited = attemptLimit(config.authRateLimitPerMinute);

  async function startSession(request: FastifyRequest, reply: FastifyReply, userId: string) {
    const { token, session } = await createSession(app.db, userId, {
      userAgent: request.headers['user-agent'] ?? '',
      ipPrefix: anonymizeIp(clientAddress(request)),
    });
    setSessionCookie(reply, token, session.expiresAt, secure);
    renewCsrfSecret(reply, secure);
  }

  app.get('/register', async (request, reply) => {
    if (request.user) return reply.redirect('/files', 303);
    return sendPage(reply, <RegisterPage ctx={pageContext(request, reply)} />);
  });

  app.post(
    '/register',
    { config: limited, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = registerBody.safeParse(request.body ?? {});
      if (!body.success) throw new AppError('bad_request');

      try {
        const input = { ...body.data, quotaBytes: config.defaultQuotaBytes };
        const result = await registerUser(app.db, hasher, input);
        if (result.status === 'created')
          logSecurityEvent(request, 'register', 'success', result.userId);
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        const ctx = pageContext(request, reply);
        const errors = [ctx.t(errorMessageKey(error.code))];
        return sendPage(
          reply,
          <RegisterPage ctx={ctx} email={body.data.email} errors={errors} />,
          400,
        );
      }
      // A new account and an email that already has one get this same answer, so that
      // registering cannot be used to learn who has an account. The person signs in next.
      return reply.redirect('/signin?registered=1', 303);
    },
  );

  app.get('/signin', async (request, reply) => {
    const query = request.query as { next?: unknown; registered?: unknown };
    const next = safeNext(String(query.next ?? ''));
    if (request.user) return reply.redirect(next ?? '/files', 303);
    const ctx = pageContext(request, reply);
    const notice = query.registered === '1' ? ctx.t('signIn.registered') : undefined;
    return sendPage(reply, <SignInPage ctx={ctx} next={next} notice={notice} />);
  });

  app.post(
    '/signin',
    { config: limited, preHandler: app.csrfProtection },
    async (request, reply) => {
      const body = signInBody.safeParse(request.body ?? {});
      if (!body.success) throw new AppError('bad_request');
      const next = safeNext(body.data.next);

      const key = throttle.keyFor(body.data.email);
      const wait = await throttle.retryAfterSeconds(key);
      if (wait > 0) {
        logSecurityEvent(request, 'account_locked', 'refused');
        return refuseSignIn(
          request,
          reply,
          new AppError('account_locked', { retryAfterSeconds: wait }),
        );
      }

      const result = await authenticateUser(app.db, hasher, body.data);
      if (result.status !== 'ok') {
        await throttle.recordFailure(key);
        const userId = result.status === 'wrong_password' ? result.userId : undefined;
        logSecurityEvent(request, 'sign_in', 'failure', userId);
        return refuseSignIn(request, reply, new AppError('credentials_invalid'));
      }

      await throttle.clear(key);
      logSecurityEvent(request, 'sign_in', 'success', result.userId);
      await startSession(request, reply, result.userId);
      return reply.redirect(next ?? '/files', 303);
    },
  );

  /** The sign-in page again, with the email kept and the reason; never the password. */
  function refuseSignIn(request: FastifyRequest, reply: FastifyReply, error: AppError) {
    const body = signInBody.parse(request.body ?? {});
    if (error.retryAfterSeconds) reply.header('Retry-After', String(error.retryAfterSeconds));
    const ctx = pageContext(request, reply);
    const page = (
      <SignInPage
        ctx={ctx}
        email={body.email}
        next={safeNext(body.next)}
        errors={[ctx.t(errorMessageKey(error.code))]}
      />
    );
    return sendPage(reply, page, error.status);
  }

  app.post('/signout', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (request.session) await invalidateSession(app.db, request.session.id);
    logSecurityEvent(request, 'sign_out', 'success');
    endBrowserSession(reply, secure);
    renewCsrfSecret(reply, secure);
    return reply.redirect('/', 303);
  });
}

/** Only a path on this site: never `//host` or `/\host`, which browsers treat as another site. */
export function safeNext(next: string): string | undefined {
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(next)) return undefined;
  return next;
}
