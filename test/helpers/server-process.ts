import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { trackChild, trackFolder, untrackFolder } from './cleanup-on-exit.js';
import type { DatabaseTarget } from './databases.js';

const READY_TIMEOUT_MS = 120_000;
const OUTPUT_KEPT = 64 * 1024;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal being sent to the process being gone. */
  ms: number;
}

export interface ServerProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Starts the server (again, on the same port, data folder and database) and waits for it. */
  start(): Promise<void>;
  /** Sends `signal` and waits for the process to end. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  /** Peak resident memory of the running process, from /proc (Linux), in KiB. */
  peakRssKiB(): Promise<number>;
  /** Resident memory of the running process now, from /proc (Linux), in KiB. */
  rssKiB(): Promise<number>;
  /** The last lines the server wrote, for failure messages. */
  output(): string;
  /** Runs `khaznati <args>` with the server's environment. */
  cli(args: string[], timeoutMs?: number): Promise<{ code: number | null; stdout: string }>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  env?: Record<string, string>;
  /** An existing folder (a small file system, say); a temporary one otherwise. */
  dataDir?: string;
  /** Reaches the database another way (through a proxy that can cut it off). */
  rewriteDatabaseUrl?: (url: string) => string;
  /**
   * RLIMIT_FSIZE for the server: writes past it fail with EFBIG. The stand-in for a full
   * disk where no small file system can be mounted.
   */
  fileSizeLimitKiB?: number;
}

/** `node --import tsx src/main.ts` as a separate process: the real server, killable. */
export async function launchServer(
  target: DatabaseTarget,
  options: LaunchOptions = {},
): Promise<ServerProcess> {
  const ownFolder = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'khaznati-fault-')));
  if (ownFolder) trackFolder(dataDir);
  const database = await target.create();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    SECRET_KEY: 'test-secret-key-test-secret-key-0123456789',
    SECURITY_PASSWORD_SALT: 'test-pepper-0123456789',
    // Tests sign many people in from one loopback address.
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    // A developer's .env must not leak into the child.
    DOTENV_CONFIG_PATH: join(dataDir, 'no-such.env'),
    ...(database.url
      ? { DATABASE_URL: options.rewriteDatabaseUrl?.(database.url) ?? database.url }
      : {}),
    ...options.env,
  };

  let child: ChildProcess | undefined;
  let closed = false;
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };

  const server: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    databaseUrl: database.url,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },

    async start() {
      if (closed) throw new Error('The server was closed');
      if (server.running) throw new Error('The server is already running');
      const command = [process.execPath, '--import', 'tsx', 'src/main.ts'];
      // `exec` keeps the pid: signals reach the server itself, not a shell.
      const limited = options.fileSizeLimitKiB
        ? ['bash', '-c', `ulimit -f ${options.fileSizeLimitKiB} && exec "$@"`, 'bash', ...command]
        : command;
      const started = spawn(limited[0]!, limited.slice(1), {
        cwd: projectRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      trackChild(started);
      started.stdout?.on('data', keep);
      started.stderr?.on('data', keep);
      await waitUntilReady(server.url, started, () => output);
    },

    async stop(signal, timeoutMs = 60_000) {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) {
        return { code: running?.exitCode ?? null, signal: running?.signalCode ?? null, ms: 0 };
      }
      const sent = Date.now();
      const exited = once(running, 'exit');
      running.kill(signal);
      const timer = setTimeout(() => running.kill('SIGKILL'), timeoutMs);
      const [code, exitSignal] = (await exited) as [number | null, NodeJS.Signals | null];
      clearTimeout(timer);
      return { code, signal: exitSignal, ms: Date.now() - sent };
    },

    peakRssKiB: () => memoryKiB(child?.pid, 'VmHWM'),
    rssKiB: () => memoryKiB(child?.pid, 'VmRSS'),

    output: () => output,

    cli: (args, timeoutMs = 120_000) => runCli(args, env, timeoutMs),

    async close() {
      closed = true;
      await server.stop('SIGKILL');
      await database.drop();
      if (ownFolder) {
        await rm(dataDir, { recursive: true, force: true });
        untrackFolder(dataDir);
      }
    },
  };
  return server;
}

async function memoryKiB(pid: number | undefined, field: 'VmHWM' | 'VmRSS') {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm'))?.[1] ?? Number.NaN);
}

async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout };
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The server exited while starting:\n${output()}`);
    }
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`The server did not become ready in time:\n${output()}`);
}

/** A port the kernel just handed out; reused for every restart of one server. */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (!address || typeof address === 'string') throw new Error('No port');
  return address.port;
}
