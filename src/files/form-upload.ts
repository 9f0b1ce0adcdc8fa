import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import multipart, { type MultipartFile } from '@fastify/multipart';
import { Upload } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireUser } from '../accounts/auth.js';
import { Semaphore } from '../concurrency.js';
import { AppError } from '../errors.js';
import { filesUrl } from './links.js';
import { FORM_UPLOAD_MAX_BYTES } from './upload-panel.js';
import type { UploadServer } from './uploads.js';

// Room for the boundaries, part headers and the two small fields around the file.
const FORM_OVERHEAD_BYTES = 16 * 1024;

const files = new WeakMap<FastifyRequest, MultipartFile>();
const formSlots = new Semaphore(2, 8, 60_000);

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function fieldValue(file: MultipartFile, name: string): string {
  const field = file.fields[name];
  if (!field || Array.isArray(field) || field.type !== 'field') return '';
  return typeof field.value === 'string' ? field.value : '';
}

/**
 * The upload for browsers without scripts: one file in a multipart form, under Cloudflare's
 * 100 MB request cap. Its bytes go through the very data store and completion the tus server
 * uses, so whatever that store does to bytes at rest applies here too.
 */
export async function formUploadRoutes(app: FastifyInstance, options: { uploads: UploadServer }) {
  const { uploads } = options;
  const limit = Math.min(FORM_UPLOAD_MAX_BYTES, app.config.maxUploadBytes);
  const tooLarge = limit < FORM_UPLOAD_MAX_BYTES ? 'file_too_large' : 'form_upload_too_large';
  // A refusal is sent before the rest of the body is read: the connection cannot carry
  // another request after it, so the client is told to open a new one.
  app.addHook('onSend', async (_request, reply) => {
    if (reply.statusCode >= 400) reply.header('Connection', 'close');
  });
  await app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: limit, files: 1, fields: 2, fieldSize: 256, parts: 3, headerPairs: 50 },
  });

  /**
   * The CSRF token travels in the form, ahead of the file: it is read from the stream
   * before a single byte of the file is, and checked by the usual CSRF guard.
   */
  async function readLeadingFields(request: FastifyRequest, _reply: FastifyReply) {
    // Anything else is refused after the CSRF check, which reads its token as usual.
    if (!request.isMultipart()) return;
    const declared = Number(request.headers['content-length']);
    if (!Number.isSafeInteger(declared)) throw new AppError('upload_length_required');
    if (declared > limit + FORM_OVERHEAD_BYTES) throw new AppError(tooLarge);
    const file = await request.file();
    if (!file) throw new AppError('form_upload_missing');
    files.set(request, file);
    request.body = { _csrf: fieldValue(file, '_csrf') };
  }

  app.post(
    '/files/upload',
    { preHandler: [requireUser, readLeadingFields, app.csrfProtection] },
    async (request, reply) => {
      const user = request.user!;
      const file = files.get(request);
      if (!file) throw new AppError('unsupported_media_type');
      if (!file.filename) throw new AppError('form_upload_missing');
      const folder = fieldValue(file, 'folder') || null;
      const id = randomBytes(16).toString('hex');
      // Encryption at rest seals the last segment of a file as the last one, so the store
      // needs the exact length up front, which a multipart form does not give. The file
      // (at most 90 MB) is held in memory until it has all arrived; a bounded number of
      // such forms run at once.
      const body = await formSlots
        .run(() => collect(file.file))
        .catch((error) => {
          // A visitor who went away mid-file is not a fault of ours; nothing was stored.
          if (request.raw.destroyed || request.raw.readableAborted)
            throw new AppError('bad_request');
          throw error;
        });
      if (file.file.truncated) throw new AppError(tooLarge);
      await uploads.admit(user.id, { id, name: file.filename, size: body.length, folder });

      try {
        const store = uploads.tus.datastore;
        await store.create(
          new Upload({ id, size: body.length, offset: 0, metadata: { filename: file.filename } }),
        );
        await store.write(Readable.from([body]), id, 0);
        await uploads.complete(id);
      } catch (error) {
        await uploads.abandon(id);
        throw error;
      }
      return reply.redirect(filesUrl({ folder, notice: 'uploaded' }), 303);
    },
  );
}
