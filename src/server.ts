import { randomUUID } from 'node:crypto';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerSessionLoading } from './accounts/auth.js';
import { accountRoutes } from './accounts/routes.js';
import type { Config } from './config.js';
import type { Database } from './db/connect.js';
import { fileRoutes } from './files/routes.js';
import type { UploadServer } from './files/uploads.js';
import { registerCsrf } from './http/csrf.js';
import { registerErrorHandling, sendEarlyFailure } from './http/errors.js';
import { loggerOptions } from './http/logging.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import './http/types.js';
import type { BlobStore } from './storage/blob-store.js';
import type { AssetCatalog } from './web/assets.js';
import { landingRoutes } from './web/landing.js';

export interface ServerParts {
  config: Config;
  db: Database;
  blobs: BlobStore;
  assets: AssetCatalog;
  /** Builds the upload server with the server's logger. */
  uploadsFactory: (log: FastifyBaseLogger) => UploadServer;
  logger?: FastifyBaseLogger;
}

/** The Fastify instance: shared plugins in order, then each domain's routes. */
export async function buildServer(parts: ServerParts): Promise<FastifyInstance> {
  const { config } = parts;
  const secure = config.env === 'production';

  const app = Fastify({
    ...(parts.logger
      ? { loggerInstance: parts.logger }
      : { logger: loggerOptions(config.logLevel) }),
    // Only the configured proxies may tell us the client's address; never `true`.
    trustProxy: config.trustedProxies,
    genReqId: () => randomUUID(),
    bodyLimit: 64 * 1024,
    // Slow phones get time, but no request may hold a slot forever.
    requestTimeout: 15 * 60_000,
    return503OnClosing: true,
    frameworkErrors: sendEarlyFailure,
  });

  app.decorate('config', config);
  app.decorate('db', parts.db);
  app.decorate('blobs', parts.blobs);
  app.decorate('assets', parts.assets);

  await app.register(cookie, { secret: config.secretKey });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await registerSecurityHeaders(app, secure);
  registerSessionLoading(app, secure);
  await registerCsrf(app, secure, config.secretKey);
  registerErrorHandling(app);

  await app.register(landingRoutes);
  await app.register(accountRoutes);
  await app.register(fileRoutes, { uploads: parts.uploadsFactory(app.log) });
  return app;
}
