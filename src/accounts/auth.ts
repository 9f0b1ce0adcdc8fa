import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { validateSessionToken } from './session.js';
import { readSessionCookie, setSessionCookie } from './session-cookie.js';

/** Loads the signed-in user, if any, onto every request; extends the rolling expiry. */
export function registerSessionLoading(app: FastifyInstance, secure: boolean) {
  app.decorateRequest('user', null);
  app.decorateRequest('session', null);

  app.addHook('onRequest', async (request, reply) => {
    const token = readSessionCookie(request, secure);
    if (!token) return;

    const result = await validateSessionToken(app.db, token);
    if (result.status !== 'valid') return;

    request.user = result.user;
    request.session = result.session;
    if (result.renewed) setSessionCookie(reply, token, result.session.expiresAt, secure);
  });
}

/** Route guard: pages send the visitor to sign in; scripts and tus clients get 401. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply) {
  if (request.user) return;
  const isPage = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
  if (isPage) return reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 303);
  throw new AppError('sign_in_required');
}
