import type { FastifyServerOptions } from 'fastify';
import { anonymizeIp } from './client-ip.js';

/** The closed set of log categories; a typo will not compile. */
export type LogCategory = 'http' | 'auth' | 'upload' | 'storage' | 'db' | 'app';

/**
 * One JSON line per request. Serialisers whitelist what is written: no cookies, no
 * tokens, no query strings (they may carry secrets), and the client address truncated.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.passwordConfirmation',
        '*._csrf',
        '*.token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request) {
        return {
          method: request.method,
          path: request.url.split('?')[0],
          ip: anonymizeIp(request.ip),
        };
      },
      res(reply) {
        return { statusCode: reply.statusCode };
      },
    },
  };
}
