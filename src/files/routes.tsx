import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireUser } from '../accounts/auth.js';
import { prepareHijackedResponse } from '../http/hijacked-response.js';
import { logSecurityEvent } from '../http/security-log.js';
import type { BlobCodec } from '../storage/blob-codec.js';
import { pageContext, sendPage } from '../web/render.js';
import { sendDownload } from './download.js';
import { deleteFile, getFile, listFiles, usedBytes } from './files.js';
import { FilesPage } from './pages.js';
import { UPLOADS_PATH, type UploadServer } from './uploads.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface FileRouteOptions {
  uploads: UploadServer;
  /** Encrypts uploads and decrypts downloads over `app.blobs`. */
  codec: BlobCodec;
}

export async function fileRoutes(app: FastifyInstance, options: FileRouteOptions) {
  const { uploads, codec } = options;

  app.get('/files', { preHandler: requireUser }, async (request, reply) => {
    const user = request.user!;
    const [files, used] = await Promise.all([
      listFiles(app.db, user.id),
      usedBytes(app.db, user.id),
    ]);
    const notice = (request.query as { deleted?: string }).deleted === '1';
    const ctx = pageContext(request, reply);
    return sendPage(
      reply,
      <FilesPage
        ctx={ctx}
        files={files}
        usedBytes={used}
        quotaBytes={user.quotaBytes}
        notice={notice ? ctx.t('files.deleted') : undefined}
      />,
    );
  });

  app.route<{ Params: { id: string } }>({
    // HEAD is declared rather than derived from GET: the derived one answers
    // Content-Length: 0, and a download manager reads the size from HEAD.
    method: ['GET', 'HEAD'],
    url: '/files/:id/download',
    // Already-compressed photos and archives gain nothing, and Content-Length must stay.
    compress: false,
    preHandler: requireUser,
    handler: async (request, reply) => {
      const file = await getFile(app.db, request.user!.id, request.params.id);
      return sendDownload(request, reply, file, codec);
    },
  });

  app.post<{ Params: { id: string } }>(
    '/files/:id/delete',
    { preHandler: [requireUser, app.csrfProtection] },
    async (request, reply) => {
      const file = await deleteFile(app.db, request.user!.id, request.params.id);
      // The row is gone first: from here on the bytes are unreachable garbage, never a
      // file that is listed but cannot be read.
      await app.blobs.delete(file.blobKey).catch((err) => {
        request.log.warn({ category: 'storage', err }, 'blob left for cleanup');
      });
      return reply.redirect('/files?deleted=1', 303);
    },
  );

  // tus: bodies are streamed straight to the upload store, never parsed or buffered here.
  await app.register(async (tusScope) => {
    tusScope.removeAllContentTypeParsers();
    tusScope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    const checkCsrf = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (SAFE_METHODS.has(request.method)) return done();
      return app.csrfProtection(request, reply, done);
    };

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      uploads.bindUser(request.raw, request.user!);
      prepareHijackedResponse(reply);
      reply.hijack();
      await uploads.tus.handle(request.raw, reply.raw);
      if (reply.raw.statusCode === 404) logSecurityEvent(request, 'foreign_id', 'refused');
    };

    const methods = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'] as const;
    for (const url of [UPLOADS_PATH, `${UPLOADS_PATH}/:id`]) {
      tusScope.route({ method: [...methods], url, preHandler: [requireUser, checkCsrf], handler });
    }
  });
}
