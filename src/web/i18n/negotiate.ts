import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLanguage, LANGUAGES, type Language } from './index.js';

export const LANGUAGE_COOKIE = 'KhaznatiLang';
/** When nothing the browser asks for is offered. */
export const DEFAULT_LANGUAGE: Language = 'en';
const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * The best offered language for an Accept-Language header (RFC 9110 §12.5.4): ranges in
 * order of weight, each matched by its primary subtag; `*` takes the default.
 */
export function negotiateLanguage(header: string | undefined): Language {
  if (!header) return DEFAULT_LANGUAGE;
  const ranges = header
    .slice(0, 1000)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim().toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((range) => range.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);

  for (const { tag } of ranges) {
    if (tag === '*') return DEFAULT_LANGUAGE;
    const primary = tag.split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

/** The remembered choice first, then what the browser asks for. */
export function requestLanguage(request: FastifyRequest): Language {
  const chosen = request.cookies?.[LANGUAGE_COOKIE];
  if (isLanguage(chosen)) return chosen;
  return negotiateLanguage(request.headers['accept-language']);
}

/** The same choice for a bare Node request, as the tus server sees it. */
export function headersLanguage(headers: IncomingHttpHeaders): Language {
  const match = /(?:^|;\s*)KhaznatiLang=([a-z]{2})(?:;|$)/.exec(headers.cookie ?? '');
  if (match && isLanguage(match[1])) return match[1];
  return negotiateLanguage(headers['accept-language']);
}

/** The only place the language cookie's flags live. It is a preference, not a secret. */
export function setLanguageCookie(reply: FastifyReply, language: Language, secure: boolean) {
  reply.setCookie(LANGUAGE_COOKIE, language, {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: '/',
    maxAge: YEAR_SECONDS,
  });
}

export { LANGUAGES };
