import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderToString } from 'preact-render-to-string';
import { isDatabaseUnavailable } from '../db/availability.js';
import { AppError, type ErrorCode, errorMessageKey } from '../errors.js';
import { isStorageUnavailable } from '../storage/availability.js';
import { isStorageFull } from '../storage/capacity.js';
import { translator } from '../web/i18n/index.js';
import { requestLanguage } from '../web/i18n/negotiate.js';
import { Layout } from '../web/layout.js';
import { pageContext, sendPage } from '../web/render.js';
import { logWhenDone, noteFailureCode } from './logging.js';
import { setFallbackSecurityHeaders } from './security-headers.js';
import { logSecurityEvent } from './security-log.js';

export interface Failure {
  status: number;
  code: ErrorCode;
  retryAfterSeconds?: number;
}

const OUTAGE_RETRY_SECONDS = 10;

const GENERIC_BY_STATUS: Record<number, ErrorCode> = {
  401: 'sign_in_required',
  404: 'not_found',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Maps what went wrong to what the person sees. Only expected failures say why. */
export function describeFailure(error: unknown): Failure | null {
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, retryAfterSeconds: error.retryAfterSeconds };
  }
  // Outages are expected too: the person is told what is wrong and that nothing was lost.
  // The storage is asked first: its network errors would also read as a database outage.
  if (isStorageUnavailable(error)) {
    return { status: 503, code: 'storage_unavailable', retryAfterSeconds: OUTAGE_RETRY_SECONDS };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, code: 'database_unavailable', retryAfterSeconds: OUTAGE_RETRY_SECONDS };
  }
  if (isStorageFull(error)) return { status: 507, code: 'storage_full' };
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (!status || status < 400 || status >= 500) return null;

  if (fastifyError.code?.startsWith('FST_CSRF')) return { status: 403, code: 'csrf_invalid' };
  return { status, code: GENERIC_BY_STATUS[status] ?? 'bad_request' };
}

export function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: Failure) {
  if (failure.retryAfterSeconds) reply.header('Retry-After', String(failure.retryAfterSeconds));
  if (!wantsHtml(request)) {
    const message = translator(requestLanguage(request))(errorMessageKey(failure.code));
    return reply
      .code(failure.status)
      .type('application/json; charset=utf-8')
      .send({ error: { code: failure.code, message, requestId: request.id } });
  }
  const ctx = pageContext(request, reply);
  return sendPage(
    reply,
    <Layout ctx={ctx} title={ctx.t('error.title')}>
      <h1>{ctx.t('error.title')}</h1>
      <p>{ctx.t(errorMessageKey(failure.code))}</p>
      <p>
        <a href="/">{ctx.t('error.back')}</a>
      </p>
    </Layout>,
    failure.status,
  );
}

/**
 * A bug or an outage. The page is bare (nothing about the visitor, no session, no form),
 * gives a reference to quote, and tells nothing of the cause: the details stay in the log.
 * Only a developer's own machine shows the stack.
 */
function sendInternalError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const t = translator('en');
  const message = t('error.internal_error');
  reply.code(500).removeHeader('Set-Cookie');
  if (!wantsHtml(request)) {
    return reply
      .type('application/json; charset=utf-8')
      .send({ error: { code: 'internal_error', message, requestId: request.id } });
  }
  const detail = request.server.config.env === 'development' ? String(error) : '';
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{t('error.title')}</title>
      </head>
      <body>
        <h1>{t('error.title')}</h1>
        <p>{message}</p>
        <p>{t('error.reference', { id: request.id })}</p>
        {detail && <pre>{(error as Error).stack ?? detail}</pre>}
        <p>
          <a href="/">{t('error.back')}</a>
        </p>
      </body>
    </html>
  );
  return reply.type('text/html; charset=utf-8').send(`<!doctype html>${renderToString(page)}`);
}

/**
 * For errors raised before any hook ran (a malformed or over-long URL): no page, since
 * nothing about the visitor is known yet, just the message, with the strict headers.
 */
export function sendEarlyFailure(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  logWhenDone(request, reply);
  setFallbackSecurityHeaders(reply, request.server.config.env === 'production');
  const known = describeFailure(error) ?? { status: 400, code: 'bad_request' };
  const message = translator('en')(errorMessageKey(known.code));
  if (wantsHtml(request)) {
    return reply.code(known.status).type('text/plain; charset=utf-8').send(message);
  }
  return reply
    .code(known.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: known.code, message, requestId: request.id } });
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => {
    try {
      return handleError(error, request, reply);
    } catch (renderError) {
      // Even the error page failed: Fastify's fallback would echo the message, so answer here.
      request.log.error({ category: 'http', err: renderError }, 'error page failed');
      return reply
        .code(500)
        .type('text/plain; charset=utf-8')
        .send(translator('en')('error.internal_error'));
    }
  });

  app.setNotFoundHandler((request, reply) => {
    noteFailureCode(reply, 'not_found');
    return sendFailure(request, reply, { status: 404, code: 'not_found' });
  });
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const known = describeFailure(error);
  if (!known) {
    request.log.error({ category: 'http', err: error }, 'unexpected error');
    return sendInternalError(request, reply, error);
  }
  noteFailureCode(reply, known.code);
  if (known.status >= 500) request.log.error({ category: 'http', err: error }, known.code);
  if (known.code === 'csrf_invalid') logSecurityEvent(request, 'csrf_refused', 'refused');
  if (known.code === 'file_not_found') logSecurityEvent(request, 'foreign_id', 'refused');
  return sendFailure(request, reply, known);
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}
