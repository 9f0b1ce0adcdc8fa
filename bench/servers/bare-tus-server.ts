// The upload baseline: @tus/server with @tus/file-store and nothing else (no sign-in, no
// database, no encryption), in a process of its own like the app.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { BARE_TUS_PATH } from './protocol.js';

const directory = process.argv[2];
if (!directory) throw new Error('usage: bare-tus-server.js DIRECTORY');

const tus = new Server({ path: BARE_TUS_PATH, datastore: new FileStore({ directory }) });
const server = createServer((req, res) => {
  tus.handle(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', port });
});

process.on('message', (message: { id: number; request: { type: string } }) => {
  if (message.request.type !== 'stop') return;
  server.close();
  process.send?.({ id: message.id, ok: true });
  setImmediate(() => process.exit(0));
});
process.on('disconnect', () => process.exit(1));
