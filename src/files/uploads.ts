import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { EVENTS, Server } from '@tus/server';
import { and, eq, lt } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { SessionUser } from '../accounts/session.js';
import type { Database } from '../db/connect.js';
import { AppError, type ErrorCode } from '../errors.js';
import { newBlobKey } from '../storage/blob-store.js';
import type { DiskBlobStore } from '../storage/disk-store.js';
import { files, uploads } from './tables.js';
import { admitUpload, type NewUpload } from './upload-admission.js';

export const UPLOADS_PATH = '/uploads';
const UPLOAD_ID_SHAPE = /^[0-9a-f]{32}$/;

export interface UploadServerOptions {
  db: Database;
  blobs: DiskBlobStore;
  stagingDir: string;
  maxUploadBytes: number;
  expiryMs: number;
  log: FastifyBaseLogger;
  /** A refusal's message in the language of the request, by its code. */
  localize?: (code: ErrorCode, request: IncomingMessage) => string;
}

export interface UploadServer {
  tus: Server;
  /** Binds a request to the signed-in user before tus handles it. */
  bindUser(request: IncomingMessage, user: SessionUser): void;
  /** Removes uploads left unfinished past their expiry; returns how many. */
  removeExpired(now?: Date): Promise<number>;
  /** Checks the name, folder and quota, and records the upload, before any byte is stored. */
  admit(userId: string, upload: NewUpload): Promise<void>;
  /** Turns a fully written upload into a file; `length` corrects a size reserved too large. */
  complete(uploadId: string, userId: string, length?: number): Promise<void>;
  /** Forgets an upload and its bytes. */
  abandon(uploadId: string): Promise<void>;
}

/** A tus-compatible refusal: @tus/server sends `body` with `status_code`. */
function refusal(code: ErrorCode) {
  const error = new AppError(code);
  return { status_code: error.status, body: `${error.message}\n`, code };
}

function asRefusal(error: unknown): never {
  throw error instanceof AppError ? refusal(error.code) : error;
}

export function createUploadServer(options: UploadServerOptions): UploadServer {
  const { db, blobs } = options;
  const owners = new WeakMap<IncomingMessage, SessionUser>();
  const datastore = new FileStore({
    directory: options.stagingDir,
    expirationPeriodInMilliseconds: options.expiryMs,
  });

  function ownerOf(req: { runtime?: { node?: { req: unknown } } }): SessionUser {
    const raw = req.runtime?.node?.req as IncomingMessage | undefined;
    const user = raw && owners.get(raw);
    if (!user) throw refusal('sign_in_required');
    return user;
  }

  const tus = new Server({
    path: UPLOADS_PATH,
    datastore,
    relativeLocation: true,
    // No CORS: uploads come only from our own pages.
    allowedOrigins: [],
    maxSize: options.maxUploadBytes,
    disableTerminationForFinishedUploads: true,

    getFileIdFromRequest(_req, lastPath) {
      return lastPath && UPLOAD_ID_SHAPE.test(lastPath) ? lastPath : undefined;
    },

    async onIncomingRequest(req, uploadId) {
      const user = ownerOf(req);
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      // Another user's upload id is answered exactly like one that does not exist.
      const [row] = await db
        .select({ id: uploads.id })
        .from(uploads)
        .where(and(eq(uploads.id, uploadId), eq(uploads.userId, user.id)));
      if (!row) throw refusal('upload_not_found');
    },

    async onUploadCreate(req, upload) {
      const user = ownerOf(req);
      // Deferred lengths are refused: the quota must be checked before any byte is stored.
      if (upload.size === undefined) throw refusal('upload_length_required');
      const { filename = '', folder } = upload.metadata ?? {};
      await admit(user.id, {
        id: upload.id,
        name: filename ?? '',
        size: upload.size,
        folder,
      }).catch(asRefusal);
      return {};
    },

    async onUploadFinish(req, upload) {
      const user = ownerOf(req);
      await completeUpload(upload.id, user.id);
      return {};
    },

    async onResponseError(req, error) {
      if ('status_code' in error) return localized(req, error);
      options.log.error({ category: 'upload', err: error }, 'upload failed');
      return { status_code: 500, body: 'Something went wrong on our side. Please try again.\n' };
    },
  });

  function localized(req: { runtime?: { node?: { req: unknown } } }, error: object) {
    const raw = req.runtime?.node?.req as IncomingMessage | undefined;
    if (!('code' in error) || !raw || !options.localize) return undefined;
    const code = error.code as ErrorCode;
    return { status_code: new AppError(code).status, body: `${options.localize(code, raw)}\n` };
  }

  const admit = (userId: string, upload: NewUpload) =>
    admitUpload(db, userId, upload, new Date(Date.now() + options.expiryMs));

  async function abandon(uploadId: string) {
    await db.delete(uploads).where(eq(uploads.id, uploadId));
    await datastore.remove(uploadId).catch(() => {});
  }

  tus.on(EVENTS.POST_TERMINATE, (_req, _res, id) => {
    db.delete(uploads)
      .where(eq(uploads.id, id))
      .catch((err) => options.log.error({ category: 'upload', err }, 'could not forget upload'));
  });

  /**
   * The upload's bytes become a blob and the upload row becomes a file row. The bytes are
   * flushed and moved before the row exists, so a row never points at partial bytes; a crash
   * in between leaves only an orphan blob for cleanup.
   */
  async function completeUpload(uploadId: string, userId: string, length?: number) {
    if (length !== undefined) {
      await db
        .update(uploads)
        .set({ length })
        .where(and(eq(uploads.id, uploadId), eq(uploads.userId, userId)));
    }
    const [pending] = await db
      .select()
      .from(uploads)
      .where(and(eq(uploads.id, uploadId), eq(uploads.userId, userId)));
    if (!pending) throw refusal('upload_not_found');

    const staged = join(options.stagingDir, uploadId);
    const hash = createHash('sha256');
    await pipeline(createReadStream(staged), hash);
    const blobKey = newBlobKey();
    await blobs.importFile(blobKey, staged);

    await db.transaction(async (tx) => {
      await tx.insert(files).values({
        userId,
        folderId: pending.folderId,
        name: pending.name,
        size: pending.length,
        blobKey,
        sha256: hash.digest('hex'),
      });
      await tx.delete(uploads).where(eq(uploads.id, uploadId));
    });
    await rm(`${staged}.json`, { force: true });
  }

  async function removeExpired(now = new Date()): Promise<number> {
    const expired = await db
      .delete(uploads)
      .where(lt(uploads.expiresAt, now))
      .returning({ id: uploads.id });
    for (const { id } of expired) {
      await rm(join(options.stagingDir, id), { force: true });
      await rm(join(options.stagingDir, `${id}.json`), { force: true });
    }
    await tus.cleanUpExpiredUploads().catch(() => 0);
    return expired.length;
  }

  return {
    tus,
    bindUser: (request, user) => owners.set(request, user),
    removeExpired,
    admit,
    complete: completeUpload,
    abandon,
  };
}
