import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../accounts/auth.js';
import { AppError } from '../errors.js';
import { prepareHijackedResponse } from '../http/hijacked-response.js';
import { logSecurityEvent } from '../http/security-log.js';
import type { BlobCodec } from '../storage/blob-codec.js';
import { pageContext, sendPage } from '../web/render.js';
import { sendDownload } from './download.js';
import { getFile, usedBytes } from './files.js';
import { folderChoices, requireLiveFolder } from './folders.js';
import { formUploadRoutes } from './form-upload.js';
import { itemRoutes } from './item-routes.js';
import { DEFAULT_SORT, defaultOrder, NOTICES } from './links.js';
import { listFolder, SORT_KEYS, searchByName } from './listing.js';
import { FilesPage } from './pages.js';
import { trashRoutes } from './trash-routes.js';
import { UPLOADS_PATH, type UploadServer } from './uploads.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// A repeated or over-long parameter is a malformed request (400), not an empty listing.
const listQuery = z.object({
  folder: z.string().max(64).optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(SORT_KEYS).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  notice: z.enum(NOTICES).optional().catch(undefined),
});

export interface FileRouteOptions {
  uploads: UploadServer;
  /** Encrypts uploads and decrypts downloads over `app.blobs`. */
  codec: BlobCodec;
}

export async function fileRoutes(app: FastifyInstance, options: FileRouteOptions) {
  const { uploads, codec } = options;

  app.get('/files', { preHandler: requireUser }, async (request, reply) => {
    const parsed = listQuery.safeParse(request.query ?? {});
    if (!parsed.success) throw new AppError('bad_request');
    const query = parsed.data;
    const user = request.user!;
    const text = query.q?.trim() || undefined;
    const folder = text ? null : query.folder || null;
    const sort = query.sort ?? DEFAULT_SORT;
    const order = query.order ?? defaultOrder(sort);

    const crumbs = await requireLiveFolder(app.db, user.id, folder);
    const list = (page: number) =>
      text
        ? searchByName(app.db, user.id, { text, sort, order, page })
        : listFolder(app.db, user.id, { folderId: folder, sort, order, page });
    let page = query.page;
    let listing = await list(page);
    if (page > listing.pages) {
      page = listing.pages;
      listing = await list(page);
    }
    const [used, choices] = await Promise.all([
      usedBytes(app.db, user.id),
      folderChoices(app.db, user.id),
    ]);

    const body = (
      <FilesPage
        ctx={pageContext(request, reply)}
        crumbs={crumbs}
        view={{ listing, params: { folder, q: text, sort, order, page }, showLocation: !!text }}
        choices={choices}
        usedBytes={used}
        quotaBytes={user.quotaBytes}
        maxUploadBytes={app.config.maxUploadBytes}
        notice={query.notice}
      />
    );
    return sendPage(reply, body);
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

  await app.register(itemRoutes);
  await app.register(trashRoutes);
  await app.register(formUploadRoutes, { uploads });

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
