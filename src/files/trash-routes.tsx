import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../accounts/auth.js';
import { pageContext, sendPage } from '../web/render.js';
import { NOTICES } from './links.js';
import { listTrash, purgeTrash, restoreFile, restoreFolder } from './trash.js';
import { TrashPage } from './trash-page.js';

type IdParams = { Params: { id: string } };
const trashQuery = z.object({ notice: z.enum(NOTICES).optional().catch(undefined) });

export async function trashRoutes(app: FastifyInstance) {
  const { db } = app;
  const guarded = { preHandler: [requireUser, app.csrfProtection] };

  app.get('/trash', { preHandler: requireUser }, async (request, reply) => {
    const query = trashQuery.parse(request.query ?? {});
    const trash = await listTrash(db, request.user!.id);
    const ctx = pageContext(request, reply);
    return sendPage(reply, <TrashPage ctx={ctx} trash={trash} notice={query.notice} />);
  });

  app.post<IdParams>('/files/:id/restore', guarded, async (request, reply) => {
    await restoreFile(db, request.user!.id, request.params.id);
    return reply.redirect('/trash?notice=restored', 303);
  });

  app.post<IdParams>('/folders/:id/restore', guarded, async (request, reply) => {
    await restoreFolder(db, request.user!.id, request.params.id);
    return reply.redirect('/trash?notice=restored', 303);
  });

  app.post('/trash/empty', guarded, async (request, reply) => {
    const purged = await purgeTrash(db, app.blobs, { userId: request.user!.id });
    if (purged.orphans.length > 0) {
      request.log.warn({ category: 'storage', count: purged.orphans.length }, 'blobs left');
    }
    return reply.redirect('/trash?notice=emptied', 303);
  });
}
