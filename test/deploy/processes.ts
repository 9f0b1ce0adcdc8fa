import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A child process whose output is kept, for the assertion message when it misbehaves. */
export interface Child {
  name: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test run that dies still takes its children with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Child {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    // Only the end is kept: enough to explain a failure, bounded however long it runs.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, process: child, output: () => output, stop: () => stopChild(child) };
}

/** SIGTERM, then SIGKILL if it has not left within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `ready` until it resolves true, at most `timeoutMs`, failing with `describe()`. */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  options: { timeoutMs?: number; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
    if (await ready().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what} was not ready in time\n${options.describe?.() ?? ''}`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** nginx from the PATH, or from sbin, where Debian puts it and a non-root PATH may not look. */
export function findNginx(): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  return folders.map((folder) => join(folder, 'nginx')).find((path) => existsSync(path));
}
