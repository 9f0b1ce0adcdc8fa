import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { anonymizeIp } from '../http/client-ip.js';
import { renewCsrfSecret } from '../http/csrf.js';
import { pageContext, sendPage } from '../web/render.js';
import { RegisterPage, SignInPage } from './pages.js';
import { createSession, invalidateSession } from './session.js';
import { deleteSessionCookie, setSessionCookie } from './session-cookie.js';
import { authenticateUser, registerUser } from './users.js';

// Generous caps: the real rules (email shape, 10–256 characters) give friendlier messages.
const text = (max: number) => z.string().max(max).default('');
const registerBody = z.object({
  email: text(1000),
  password: text(4096),
  passwordConfirmation: text(4096),
});
const signInBody = z.object({ email: text(1000), password: text(4096), next: text(2000) });

export async function accountRoutes(app: FastifyInstance) {
  const { config } = app;
  const secure = config.env === 'production';
  const settings = {
    passwordPepper: config.passwordPepper,
    defaultQuotaBytes: config.defaultQuotaBytes,
  };

  async function startSession(request: FastifyRequest, reply: FastifyReply, userId: string) {
    const { token, session } = await createSession(app.db, userId, {
      userAgent: request.headers['user-agent'] ?? '',
      ipPrefix: anonymizeIp(request.ip),
    });
    setSessionCookie(reply, token, session.expiresAt, secure);
    renewCsrfSecret(reply, secure);
  }

  app.get('/register', async (request, reply) => {
    if (request.user) return reply.redirect('/files', 303);
    return sendPage(reply, <RegisterPage ctx={pageContext(request, reply)} />);
  });

  app.post('/register', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = registerBody.safeParse(request.body ?? {});
    if (!body.success) throw new AppError('bad_request');

    try {
      const user = await registerUser(app.db, settings, body.data);
      await startSession(request, reply, user.id);
      return reply.redirect('/files', 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const ctx = pageContext(request, reply);
      const page = <RegisterPage ctx={ctx} email={body.data.email} errors={[error.message]} />;
      return sendPage(reply, page, error.status);
    }
  });

  app.get('/signin', async (request, reply) => {
    const next = safeNext(String((request.query as { next?: unknown }).next ?? ''));
    if (request.user) return reply.redirect(next ?? '/files', 303);
    return sendPage(reply, <SignInPage ctx={pageContext(request, reply)} next={next} />);
  });

  app.post('/signin', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = signInBody.safeParse(request.body ?? {});
    if (!body.success) throw new AppError('bad_request');

    const user = await authenticateUser(app.db, settings, body.data);
    const next = safeNext(body.data.next);
    if (!user) {
      const ctx = pageContext(request, reply);
      const error = new AppError('credentials_invalid');
      const page = (
        <SignInPage ctx={ctx} email={body.data.email} next={next} errors={[error.message]} />
      );
      return sendPage(reply, page, error.status);
    }

    await startSession(request, reply, user.id);
    return reply.redirect(next ?? '/files', 303);
  });

  app.post('/signout', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (request.session) await invalidateSession(app.db, request.session.id);
    deleteSessionCookie(reply, secure);
    renewCsrfSecret(reply, secure);
    return reply.redirect('/', 303);
  });
}

/** Only a path on this site: never `//host` or `/\host`, which browsers treat as another site. */
export function safeNext(next: string): string | undefined {
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(next)) return undefined;
  return next;
}
