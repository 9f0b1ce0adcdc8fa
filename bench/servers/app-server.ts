// The Khaznati app in a process of its own, as `npm start` runs it, plus what only a
// benchmark needs: file rows inserted directly, and a same-size static body to compare a
// page against. It is driven by its parent over the IPC channel and dies with it.
import type { AddressInfo } from 'node:net';
import { type App, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type ServerReply, type ServerRequest, STATIC_EQUIVALENT_PATH } from './protocol.js';
import { findFileId, seedFiles } from './seed-files.js';

/**
 * Options for `createApp` that only a benchmark sets arrive as JSON in the first argument;
 * the app itself reads none of them from the environment.
 */
type CreateAppWithOptions = (config: Config, options?: object) => Promise<App>;

async function main() {
  const appOptions = JSON.parse(process.argv[2] ?? '{}') as object;
  const config = loadConfig(process.env);
  const app = await (createApp as CreateAppWithOptions)(config, appOptions);

  let staticBody = Buffer.alloc(0);
  app.server.get(STATIC_EQUIVALENT_PATH, async (_request, reply) =>
    reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .type('text/html; charset=utf-8')
      .send(staticBody),
  );

  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.server.address() as AddressInfo;

  async function handle(request: ServerRequest): Promise<unknown> {
    switch (request.type) {
      case 'seed-files':
        return seedFiles(app.database.db, request.email, request.count);
      case 'file-id':
        return findFileId(app.database.db, request.email, request.name);
      case 'memory-usage':
        return process.memoryUsage();
      case 'set-static-body':
        staticBody = Buffer.from(request.body);
        return staticBody.length;
      case 'stop':
        await app.close();
        // Exiting (rather than being killed) lets --cpu-prof write its profile.
        setImmediate(() => process.exit(0));
        return undefined;
    }
  }

  process.on('message', (message: { id: number; request: ServerRequest }) => {
    handle(message.request).then(
      (value) => process.send?.({ id: message.id, ok: true, value } satisfies ServerReply),
      (error: Error) =>
        process.send?.({ id: message.id, ok: false, error: error.message } satisfies ServerReply),
    );
  });
  // Orphaned servers would skew every later figure on the machine.
  process.on('disconnect', () => process.exit(1));
  process.send?.({ type: 'ready', port });
}

await main();
