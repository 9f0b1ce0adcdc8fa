import type { IncomingMessage } from 'node:http';
import { ERRORS, Server } from '@tus/server';
import type { FastifyBaseLogger } from 'fastify';
import type { SessionUser } from '../accounts/session.js';
import type { Database } from '../db/connect.js';
import { AppError, type ErrorCode } from '../errors.js';
import type { BlobCodec } from '../storage/blob-codec.js';
import type { BlobStore } from '../storage/blob-store.js';
import { EncryptedUploadStore } from './encrypted-upload-store.js';
import { validateFileName } from './names.js';
import { completeUpload, ownsUpload, reserveUpload } from './upload-rows.js';

export const UPLOADS_PATH = '/uploads';
const UPLOAD_ID_SHAPE = /^[0-9a-f]{32}$/;

export interface UploadServerOptions {
  db: Database;
  blobs: BlobStore;
  codec: BlobCodec;
  maxUploadBytes: number;
  expiryMs: number;
  log: FastifyBaseLogger;
}

export interface UploadServer {
  tus: Server;
  /** Binds a request to the signed-in user before tus handles it. */
  bindUser(request: IncomingMessage, user: SessionUser): void;
  /** Removes uploads left unfinished past their expiry, with their blobs; returns how many. */
  removeExpired(): Promise<number>;
}

/** A tus-compatible refusal: @tus/server sends `body` with `status_code`. */
function refusal(code: ErrorCode) {
  const error = new AppError(code);
  return { status_code: error.status, body: `${error.message}\n` };
}

export function createUploadServer(options: UploadServerOptions): UploadServer {
  const { db } = options;
  const owners = new WeakMap<IncomingMessage, SessionUser>();
  const datastore = new EncryptedUploadStore({
    db,
    blobs: options.blobs,
    codec: options.codec,
    expiryMs: options.expiryMs,
    log: options.log,
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
      if (!(await ownsUpload(db, user.id, uploadId))) throw refusal('upload_not_found');
    },

    async onUploadCreate(req, upload) {
      const user = ownerOf(req);
      // Deferred lengths are refused: the quota must be checked before any byte is stored.
      if (upload.size === undefined) throw refusal('upload_length_required');
      let name: string;
      try {
        name = validateFileName(upload.metadata?.filename ?? '');
      } catch {
        throw refusal('file_name_invalid');
      }
      await reserveUpload(db, {
        id: upload.id,
        userId: user.id,
        name,
        length: upload.size,
        expiresAt: new Date(Date.now() + options.expiryMs),
      });
      return {};
    },

    // The SHA-256 was computed as the bytes arrived and the blob is already final: the
    // upload only has to become a file.
    async onUploadFinish(req, upload) {
      ownerOf(req);
      await completeUpload(db, upload.id);
      return {};
    },

    async onResponseError(_req, error) {
      // Without creation-defer-length tus would answer 501; the length is simply required.
      if (error === ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION) {
        return refusal('upload_length_required');
      }
      if (error instanceof AppError) return refusal(error.code);
      if ('status_code' in error) return undefined;
      options.log.error({ category: 'upload', err: error }, 'upload failed');
      return { status_code: 500, body: 'Something went wrong on our side. Please try again.\n' };
    },
  });

  return {
    tus,
    bindUser: (request, user) => owners.set(request, user),
    removeExpired: () => tus.cleanUpExpiredUploads(),
  };
}
