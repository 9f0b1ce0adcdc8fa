import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { safeNext } from '../accounts/routes.js';
import { AppError } from '../errors.js';
import { LANGUAGES } from './i18n/index.js';
import { setLanguageCookie } from './i18n/negotiate.js';

const languageBody = z.object({
  language: z.enum(LANGUAGES),
  next: z.string().max(2000).default('/'),
});

/** Switching language is a POST: a GET never changes state, and it works without scripts. */
export async function languageRoutes(app: FastifyInstance) {
  const secure = app.config.env === 'production';

  app.post('/language', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = languageBody.safeParse(request.body ?? {});
    if (!body.success) throw new AppError('bad_request');

    setLanguageCookie(reply, body.data.language, secure);
    return reply.redirect(safeNext(body.data.next) ?? '/', 303);
  });
}
