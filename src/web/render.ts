import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { translator } from './i18n/index.js';
import type { PageContext } from './layout.js';

/** What every page needs to know about the request it answers. */
export function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  return {
    t: translator('en'),
    language: 'en',
    direction: 'ltr',
    assetUrl: (entry) => request.server.assets.url(entry),
    csrfToken: reply.csrfToken(),
    user: request.user ? { email: request.user.email } : null,
  };
}

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>${renderToString(page)}`);
}
