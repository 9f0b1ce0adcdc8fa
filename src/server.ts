import { randomUUID } from 'node:crypto';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import { accountPageRoutes } from './accounts/account-routes.js';
import { registerSessionLoading } from './accounts/auth.js';
import {
  type FailureStore,
  MemoryFailureStore,
  RedisFailureStore,
} from './accounts/failure-store.js';
import { PasswordHasher } from './accounts/password.js';
import { accountRoutes } from './accounts/routes.js';
import { SignInThrottle } from './accounts/sign-in-throttle.js';
import type { Config } from './config.js';
import type { Database } from './db/connect.js';
import { fileRoutes } from './files/routes.js';
import type { UploadServer } from './files/uploads.js';
import { registerCachePolicy } from './http/cache-policy.js';
import { trustedProxyCheck } from './http/client-ip.js';
import { registerCsrf } from './http/csrf.js';
import { registerErrorHandling, sendEarlyFailure } from './http/errors.js';
import { createLogger, logWhenDone } from './http/logging.js';
import { registerRateLimits } from './http/rate-limit.js';
import { registerRequestGuards } from './http/request-guards.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerStallGuard } from './http/slow-clients.js';
import { serverTimeouts } from './http/timeouts.js';
import './http/types.js';
import type { BlobCodec } from './storage/blob-codec.js';
import type { BlobStore } from './storage/blob-store.js';
import type { AssetCatalog } from './web/assets.js';
import { landingRoutes } from './web/landing.js';
import { languageRoutes } from './web/language.js';

export interface ServerParts {
  config: Config;
  db: Database;
  blobs: BlobStore;
  /** How file bytes are sealed in `blobs`: encrypted, or plaintext in benchmarks only. */
  codec: BlobCodec;
  assets: AssetCatalog;
  /** Builds the upload server with the server's logger. */
  uploadsFactory: (log: FastifyBaseLogger) => UploadServer;
  logger?: FastifyBaseLogger;
  /** Shared counters for rate limits when set; this process's memory otherwise. */
  redis?: Redis;
}

/** The Fastify instance: shared plugins in order, then each domain's routes. */
export async function buildServer(parts: ServerParts): Promise<FastifyInstance> {
  const { config } = parts;
  const secure = config.env === 'production';
  const timeouts = serverTimeouts(config.requestTimeoutMs, config.requestStallMs);

  const app = Fastify({
    loggerInstance: parts.logger ?? createLogger(config.logLevel),
    // Our own line per request replaces Fastify's two (see logWhenDone).
    logController: new LogController({ disableRequestLogging: true }),
    // Only the configured proxies may tell us the client's address; never `true`.
    trustProxy: config.trustedProxies,
    genReqId: () => randomUUID(),
    bodyLimit: 64 * 1024,
    // Slow phones get time, but no request may hold a slot forever.
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    http: {
      headersTimeout: timeouts.headersTimeout,
      connectionsCheckingInterval: timeouts.connectionsCheckingInterval,
    },
    return503OnClosing: true,
    frameworkErrors: sendEarlyFailure,
  });

  app.decorate('config', config);
  app.decorate('db', parts.db);
  app.decorate('blobs', parts.blobs);
  app.decorate('assets', parts.assets);
  app.decorate('isTrustedProxy', trustedProxyCheck(config.trustedProxies));

  // Order matters: the log line is armed first, headers are set before any refusal, and
  // cheap refusals come before anything that reads the database or hashes a password.
  app.addHook('onRequest', async (request, reply) => logWhenDone(request, reply));
  registerStallGuard(app, config.requestStallMs);
  // Cookies are parsed before any refusal, since the refusal page reads them (CSRF secret).
  await app.register(cookie, { secret: config.secretKey });
  registerCachePolicy(app);
  await registerSecurityHeaders(app, secure);
  registerRequestGuards(app);

  // Forms are the only bodies we read (tus streams its own): JSON, text and anything else
  // is refused with 415 before it is parsed.
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  registerSessionLoading(app, secure);
  await registerCsrf(app, secure, config.secretKey);
  await registerRateLimits(app, parts.redis);
  registerErrorHandling(app);

  const hasher = new PasswordHasher(config.passwordPepper, config.passwordHashConcurrency);
  await hasher.prepare();
  const failures: FailureStore = parts.redis
    ? new RedisFailureStore(parts.redis)
    : new MemoryFailureStore();
  const accounts = { hasher, throttle: new SignInThrottle(failures, config.secretKey) };
  app.decorate('passwords', hasher);

  await app.register(landingRoutes);
  await app.register(languageRoutes);
  await app.register(accountRoutes, accounts);
  await app.register(accountPageRoutes, accounts);
  await app.register(fileRoutes, { uploads: parts.uploadsFactory(app.log), codec: parts.codec });
  return app;
}
