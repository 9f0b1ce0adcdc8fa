import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../accounts/auth.js';
import { AppError, errorMessageKey } from '../errors.js';
import { pageContext, sendPage } from '../web/render.js';
import { getFile, renameFile, trashFile } from './files.js';
import { createFolder, folderPath, renameFolder, trashFolder } from './folders.js';
import { filesUrl } from './links.js';
import { RenamePage } from './rename-page.js';
import { moveSelection, SELECTION_MAX, trashSelection } from './selection.js';

type IdParams = { Params: { id: string } };

// Caps well above any real name or id, so abuse is refused before any work is done.
const folderField = z.string().max(64).default('');
const idList = z
  .union([z.string().max(64), z.array(z.string().max(64)).max(SELECTION_MAX + 1)])
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

const createBody = z.object({ name: z.string().max(4000).default(''), parent: folderField });
const renameBody = z.object({ name: z.string().max(4000).default('') });
const selectionBody = z.object({
  action: z.enum(['move', 'trash']),
  file: idList,
  folder: idList,
  destination: folderField,
  from: folderField,
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new AppError('bad_request');
  return parsed.data;
}

/** Folders, renaming, moving and the trash button: every one a form that works unscripted. */
export async function itemRoutes(app: FastifyInstance) {
  const { db } = app;
  const guarded = { preHandler: [requireUser, app.csrfProtection] };

  app.post('/folders', guarded, async (request, reply) => {
    const body = parse(createBody, request.body);
    const parent = body.parent || null;
    await createFolder(db, request.user!.id, parent, body.name);
    return reply.redirect(filesUrl({ folder: parent, notice: 'created' }), 303);
  });

  app.get<IdParams>('/files/:id/rename', { preHandler: requireUser }, async (request, reply) => {
    const file = await getFile(db, request.user!.id, request.params.id);
    const page = (
      <RenamePage
        ctx={pageContext(request, reply)}
        kind="file"
        action={`/files/${file.id}/rename`}
        name={file.name}
        back={filesUrl({ folder: file.folderId })}
      />
    );
    return sendPage(reply, page);
  });

  app.post<IdParams>('/files/:id/rename', guarded, async (request, reply) => {
    const body = parse(renameBody, request.body);
    const userId = request.user!.id;
    const file = await getFile(db, userId, request.params.id);
    try {
      await renameFile(db, userId, file.id, body.name);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'file_name_invalid') throw error;
      const ctx = pageContext(request, reply);
      const page = (
        <RenamePage
          ctx={ctx}
          kind="file"
          action={`/files/${file.id}/rename`}
          name={body.name.slice(0, 255)}
          back={filesUrl({ folder: file.folderId })}
          errors={[ctx.t(errorMessageKey(error.code))]}
        />
      );
      return sendPage(reply, page, error.status);
    }
    return reply.redirect(filesUrl({ folder: file.folderId, notice: 'renamed' }), 303);
  });

  app.get<IdParams>('/folders/:id/rename', { preHandler: requireUser }, async (request, reply) => {
    const path = await folderPath(db, request.user!.id, request.params.id);
    if (!path) throw new AppError('folder_not_found');
    const folder = path.at(-1)!;
    const page = (
      <RenamePage
        ctx={pageContext(request, reply)}
        kind="folder"
        action={`/folders/${folder.id}/rename`}
        name={folder.name}
        back={filesUrl({ folder: path.at(-2)?.id })}
      />
    );
    return sendPage(reply, page);
  });

  app.post<IdParams>('/folders/:id/rename', guarded, async (request, reply) => {
    const body = parse(renameBody, request.body);
    const userId = request.user!.id;
    const path = await folderPath(db, userId, request.params.id);
    if (!path) throw new AppError('folder_not_found');
    const folder = path.at(-1)!;
    const back = filesUrl({ folder: path.at(-2)?.id });
    try {
      await renameFolder(db, userId, folder.id, body.name);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'folder_name_invalid') throw error;
      const ctx = pageContext(request, reply);
      const page = (
        <RenamePage
          ctx={ctx}
          kind="folder"
          action={`/folders/${folder.id}/rename`}
          name={body.name.slice(0, 255)}
          back={back}
          errors={[ctx.t(errorMessageKey(error.code))]}
        />
      );
      return sendPage(reply, page, error.status);
    }
    return reply.redirect(filesUrl({ folder: path.at(-2)?.id, notice: 'renamed' }), 303);
  });

  app.post<IdParams>('/files/:id/delete', guarded, async (request, reply) => {
    const file = await trashFile(db, request.user!.id, request.params.id);
    return reply.redirect(filesUrl({ folder: file.folderId, notice: 'trashed' }), 303);
  });

  app.post<IdParams>('/folders/:id/delete', guarded, async (request, reply) => {
    const folder = await trashFolder(db, request.user!.id, request.params.id);
    return reply.redirect(filesUrl({ folder: folder.parentId, notice: 'trashed' }), 303);
  });

  app.post('/files/selection', guarded, async (request, reply) => {
    const body = parse(selectionBody, request.body);
    const userId = request.user!.id;
    const selection = { fileIds: body.file, folderIds: body.folder };
    if (body.action === 'move') {
      await moveSelection(db, userId, selection, body.destination || null);
    } else {
      await trashSelection(db, userId, selection);
    }
    // Back to the folder the form was on, if it still is one.
    const from = body.from && (await folderPath(db, userId, body.from)) ? body.from : null;
    const notice = body.action === 'move' ? 'moved' : 'trashed';
    return reply.redirect(filesUrl({ folder: from, notice }), 303);
  });
}
