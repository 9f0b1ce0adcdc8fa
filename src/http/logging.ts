import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { type DestinationStream, pino, stdSerializers } from 'pino';
import { anonymizeIp, clientAddress } from './client-ip.js';

/** The closed set of log categories; a typo will not compile. */
export type LogCategory = 'http' | 'security' | 'auth' | 'upload' | 'storage' | 'db' | 'app';

/**
 * JSON lines with UTC times. Nothing logs request headers or bodies, so cookies, tokens,
 * passwords and CSRF values never reach a line; the redact paths are a second guard in
 * case someone logs an object that carries them. JSON escapes control characters, so a
 * crafted value cannot start a line of its own.
 */
export function createLogger(level: string, destination?: DestinationStream): FastifyBaseLogger {
  const options = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers',
        'res.headers',
        'headers',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        '*._csrf',
        '*.token',
        '*.email',
      ],
      censor: '[redacted]',
    },
    serializers: { err: serializeError },
  };
  return (destination ? pino(options, destination) : pino(options)) as FastifyBaseLogger;
}

const failureCodes = new WeakMap<FastifyReply, string>();

/** The catalog code of a refusal, carried on the request's line rather than a line of its own. */
export function noteFailureCode(reply: FastifyReply, code: string): void {
  failureCodes.set(reply, code);
}

/**
 * One line per request, written when the response is finished or abandoned, hijacked
 * responses (tus) included. The client address is truncated before it is written and the
 * person appears by user id only.
 */
export function logWhenDone(request: FastifyRequest, reply: FastifyReply): void {
  const started = process.hrtime.bigint();
  reply.raw.once('close', () => {
    const status = reply.raw.statusCode;
    const line = {
      category: 'http' satisfies LogCategory,
      method: request.method,
      // The query string is left out: it may carry secrets.
      path: request.url.split('?')[0],
      status,
      code: failureCodes.get(reply),
      ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      ip: anonymizeIp(clientAddress(request)),
      userId: request.user?.id,
      aborted: reply.raw.writableFinished ? undefined : true,
    };
    if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
  });
}

// Drizzle writes a failed query's parameters (emails, password hashes) into its message.
const QUERY_PARAMS = /^params: .*$/gm;

/**
 * What an error may tell the log: its type, code, message and stack, never the extra
 * fields drivers attach (pg's `detail` quotes the offending row's values).
 */
function serializeError(error: Error) {
  const scrub = (text: string | undefined) => text?.replace(QUERY_PARAMS, 'params: [redacted]');
  const base = stdSerializers.err(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  return {
    type: base.type,
    code: (error as { code?: unknown }).code,
    message: scrub(base.message),
    stack: scrub(base.stack),
    cause: cause && {
      type: cause.name,
      code: (cause as { code?: unknown }).code,
      message: scrub(cause.message),
    },
  };
}
