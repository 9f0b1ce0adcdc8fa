import type { IncomingMessage } from 'node:http';
import { ERRORS, type Locker, Server } from '@tus/server';
import type { FastifyBaseLogger } from 'fastify';
import type { SessionUser } from '../accounts/session.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import type { Database } from '../db/connect.js';
import { AppError, type ErrorCode } from '../errors.js';
import { isStorageUnavailable } from '../storage/availability.js';
import type { BlobCodec } from '../storage/blob-codec.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageFull } from '../storage/capacity.js';
import { EncryptedUploadStore } from './encrypted-upload-store.js';
import { admitUpload, type NewUpload } from './upload-admission.js';
import { completeUpload, ownsUpload } from './upload-rows.js';

export const UPLOADS_PATH = '/uploads';
const UPLOAD_ID_SHAPE = /^[0-9a-f]{32}$/;

export interface UploadServerOptions {
  db: Database;
  blobs: BlobStore;
  codec: BlobCodec;
  /** Shared by every instance when several run; @tus/server's in-process locks otherwise. */
  locker?: Locker;
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
  /** Removes uploads left unfinished past their expiry, with their blobs; returns how many. */
  removeExpired(): Promise<number>;
  /** Checks the name, folder and quota, and records the upload, before any byte is stored. */
  admit(userId: string, upload: NewUpload): Promise<void>;
  /** Turns an upload whose every byte is stored into a file. */
  complete(uploadId: string): Promise<void>;
  /** Resolves once every upload request under way has stored what it received. */
  settle(): Promise<void>;
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

  function localized(req: { runtime?: { node?: { req: unknown } } }, code: ErrorCode) {
    const raw = req.runtime?.node?.req as IncomingMessage | undefined;
    if (!raw || !options.localize) return refusal(code);
    return { status_code: new AppError(code).status, body: `${options.localize(code, raw)}\n` };
  }

  const admit = (userId: string, upload: NewUpload) =>
    admitUpload(db, userId, upload, new Date(Date.now() + options.expiryMs));

  const tus = new Server({
    path: UPLOADS_PATH,
    datastore,
    relativeLocation: true,
    // No CORS: uploads come only from our own pages.
    allowedOrigins: [],
    maxSize: options.maxUploadBytes,
    disableTerminationForFinishedUploads: true,
    locker: options.locker,

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
      const { filename = '', folder } = upload.metadata ?? {};
      await admit(user.id, {
        id: upload.id,
        name: filename ?? '',
        size: upload.size,
        folder,
      }).catch(asRefusal);
      return {};
    },

    // The SHA-256 was computed as the bytes arrived and the blob is already final: the
    // upload only has to become a file.
    async onUploadFinish(req, upload) {
      ownerOf(req);
      await completeUpload(db, upload.id);
      return {};
    },

    async onResponseError(req, reported) {
      let error = reported;
      if (reported === ERRORS.ABORTED) {
        const id = new URL(req.url).pathname.split('/').pop() ?? '';
        const refusal = UPLOAD_ID_SHAPE.test(id) ? datastore.takeRefusal(id) : undefined;
        if (refusal instanceof Error) error = refusal;
      }
      // Without creation-defer-length tus would answer 501; the length is simply required.
      if (error === ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION) {
        return localized(req, 'upload_length_required');
      }
      if (error === ERRORS.ERR_MAX_SIZE_EXCEEDED || error === ERRORS.ERR_SIZE_EXCEEDED) {
        return localized(req, 'file_too_large');
      }
      if (error instanceof AppError) return localized(req, error.code);
      if ('status_code' in error) {
        return 'code' in error ? localized(req, error.code as ErrorCode) : undefined;
      }
      // The storage first: its network errors would also read as a database outage.
      const outage = isStorageUnavailable(error)
        ? 'storage_unavailable'
        : isDatabaseUnavailable(error)
          ? 'database_unavailable'
          : isStorageFull(error)
            ? 'storage_full'
            : null;
      if (outage) {
        options.log.error({ category: 'upload', err: error }, 'upload interrupted by an outage');
        return localized(req, outage);
      }
      options.log.error({ category: 'upload', err: error }, 'upload failed');
      return { status_code: 500, body: 'Something went wrong on our side. Please try again.\n' };
    },
  });

  return {
    tus,
    bindUser: (request, user) => owners.set(request, user),
    removeExpired: () => tus.cleanUpExpiredUploads(),
    admit,
    complete: async (uploadId) => {
      await completeUpload(db, uploadId);
    },
    abandon: (uploadId) => datastore.remove(uploadId).catch(() => {}),
    settle: () => datastore.settle(),
  };
}
