import type { PasswordHasher } from '../accounts/password.js';
import type { Session, SessionUser } from '../accounts/session.js';
import type { Config } from '../config.js';
import type { Database } from '../db/connect.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { AssetCatalog } from '../web/assets.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    blobs: BlobStore;
    assets: AssetCatalog;
    /** Whether an address is one of TRUSTED_PROXIES (see http/client-ip.ts). */
    isTrustedProxy(address: string): boolean;
    /** The one gate every Argon2 hash passes through (bounded; see accounts/password.ts). */
    passwords: PasswordHasher;
  }
  interface FastifyRequest {
    user: SessionUser | null;
    session: Session | null;
  }
  interface FastifyReply {
    /** The CSRF token for forms on this page; one secret per request, however often called. */
    csrfToken(): string;
  }
}
