import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../errors.js';
import { Layout } from '../web/layout.js';
import { pageContext, sendPage } from '../web/render.js';

interface Failure {
  status: number;
  code: string;
  message: string;
}

const GENERIC_BY_STATUS: Record<number, ErrorCode> = {
  401: 'sign_in_required',
  404: 'not_found',
  413: 'file_too_large',
  429: 'rate_limited',
  503: 'server_busy',
};

/** Maps what went wrong to what the person sees. Only expected failures say why. */
export function describeFailure(error: unknown): Failure | null {
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, message: error.message };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (!status || status < 400 || status >= 500) return null;

  if (fastifyError.code?.startsWith('FST_CSRF')) return failure('csrf_invalid');
  const code = GENERIC_BY_STATUS[status];
  if (code) return failure(code);
  if (status === 415) {
    return {
      status,
      code: 'unsupported_media_type',
      message: 'This kind of request body is not accepted.',
    };
  }
  return { status, code: 'bad_request', message: ERRORS.bad_request.message };
}

function failure(code: ErrorCode): Failure {
  return { status: ERRORS[code].status, code, message: ERRORS[code].message };
}

export function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: Failure) {
  if (!wantsHtml(request)) {
    return reply
      .code(failure.status)
      .type('application/json; charset=utf-8')
      .send({ error: { code: failure.code, message: failure.message, requestId: request.id } });
  }
  const ctx = pageContext(request, reply);
  return sendPage(
    reply,
    <Layout ctx={ctx} title={ctx.t('error.title')}>
      <h1>{ctx.t('error.title')}</h1>
      <p>{failure.message}</p>
      {failure.status >= 500 && <p class="muted">{ctx.t('error.reference', { id: request.id })}</p>}
      <p>
        <a href="/">{ctx.t('error.back')}</a>
      </p>
    </Layout>,
    failure.status,
  );
}

/**
 * For errors raised before any hook ran (a malformed or over-long URL): no page, since
 * nothing about the visitor is known yet, just the message.
 */
export function sendEarlyFailure(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const known = describeFailure(error) ?? failure('bad_request');
  if (wantsHtml(request)) {
    return reply.code(known.status).type('text/plain; charset=utf-8').send(known.message);
  }
  return reply
    .code(known.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: known.code, message: known.message, requestId: request.id } });
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => {
    const known = describeFailure(error);
    if (known) {
      request.log.info(
        { category: 'http', code: known.code, status: known.status },
        'request refused',
      );
      return sendFailure(request, reply, known);
    }
    // A bug or an outage: the details stay in the log, the person gets a reference to quote.
    request.log.error({ category: 'http', err: error }, 'unexpected error');
    return sendFailure(request, reply, {
      status: 500,
      code: 'internal_error',
      message: 'Something went wrong on our side. Please try again.',
    });
  });

  app.setNotFoundHandler((request, reply) => sendFailure(request, reply, failure('not_found')));
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}
