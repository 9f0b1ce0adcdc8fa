import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.js';

export const NGINX_BINARY = '/usr/sbin/nginx';
const TEMPLATE = join(import.meta.dirname, 'nginx', 'sendfile.conf');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** nginx serving `root` on a loopback port; stopped by the run's cleanup or `stop`. */
export async function startNginx(
  ctx: BenchContext,
  root: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  if (!existsSync(NGINX_BINARY))
    throw new Error(`${NGINX_BINARY} is missing (apt-get install nginx)`);
  const { cleanup, close } = ctx.cleanup.group('nginx');
  const prefix = await cleanup.tempDir('nginx', ctx.tempRoot);
  const port = await freePort();
  const config = readFileSync(TEMPLATE, 'utf8')
    // As root nginx would hand its worker to "nobody", who cannot enter a private folder.
    .replace('{{USER}}', process.getuid?.() === 0 ? 'user root;' : '')
    .replaceAll('{{PREFIX}}', prefix)
    .replace('{{PORT}}', String(port))
    .replace('{{ROOT}}', root);
  const configPath = join(prefix, 'nginx.conf');
  await writeFile(configPath, config);

  const errorLog = join(prefix, 'error.log');
  const args = ['-p', `${prefix}/`, '-c', configPath, '-e', errorLog, '-g', 'daemon off;'];
  const child = spawn(NGINX_BINARY, args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanup.add('nginx process', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGQUIT');
    await exited;
  });

  for (let attempt = 0; attempt < 100 && !(await accepts(port)); attempt++) {
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  if (!(await accepts(port))) {
    const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
    await close();
    throw new Error(`nginx did not start:\n${log}`);
  }
  return { url: `http://127.0.0.1:${port}`, stop: close };
}
