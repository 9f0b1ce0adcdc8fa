import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { logSecurityEvent } from './security-log.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Headers some frameworks (and older @tus/server releases) obey to swap a request's method.
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'];

/**
 * Checks every request before any other work:
 * - a method-override header is refused, so a GET or HEAD, which carries no CSRF token,
 *   can never be turned into a DELETE further down;
 * - an unsafe request the browser marks as coming from another site (Fetch Metadata), or
 *   one without Fetch Metadata whose Origin is another site, is refused (403). This stands
 *   beside the CSRF token, not instead of it.
 */
export function registerRequestGuards(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (METHOD_OVERRIDES.some((name) => name in request.headers)) {
      throw new AppError('method_override_refused');
    }
    if (SAFE_METHODS.has(request.method)) return;
    if (isCrossSite(request)) {
      logSecurityEvent(request, 'cross_site_refused', 'refused');
      throw new AppError('cross_site_refused');
    }
  });
}

function isCrossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'cross-site';

  const origin = request.headers.origin;
  if (origin === undefined) return false;
  return !isSameOrigin(origin, request.host);
}

/** `Origin: null` (a sandboxed frame, a redirect from elsewhere) counts as foreign. */
function isSameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
