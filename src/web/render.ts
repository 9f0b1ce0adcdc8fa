import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { directionOf, translator } from './i18n/index.js';
import { requestLanguage } from './i18n/negotiate.js';
import type { PageContext } from './layout.js';

/** What every page needs to know about the request it answers. */
export function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  const language = requestLanguage(request);
  return {
    t: translator(language),
    language,
    direction: directionOf(language),
    assetUrl: (entry) => request.server.assets.url(entry),
    csrfToken: reply.csrfToken(),
    user: request.user ? { email: request.user.email } : null,
    path: returnPath(request),
  };
}

/**
 * Where the language switch sends the visitor back to: this page, or for a page that
 * answered a form, the page the form was on (a GET of a form's address may not exist).
 */
function returnPath(request: FastifyRequest): string {
  if (request.method === 'GET') return request.url;
  try {
    const referer = new URL(request.headers.referer ?? '');
    if (referer.host === request.headers.host) return referer.pathname + referer.search;
  } catch {}
  return '/';
}

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>${renderToString(page)}`);
}
