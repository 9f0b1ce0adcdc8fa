import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Cleanup } from './cleanup.js';
import type { ServerRequest } from './servers/protocol.js';

export interface ServerProcess {
  pid: number;
  url: string;
  logPath: string;
  /** Asks the server something over its IPC channel (see servers/app-server.ts). */
  request<T = unknown>(request: ServerRequest): Promise<T>;
  /** The process's peak resident memory so far (VmHWM), in bytes. */
  peakMemory(): number;
  stop(): Promise<void>;
}

export interface ServerSpec {
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string>;
  logPath: string;
  /** Writes a V8 CPU profile into this folder when the server stops. */
  cpuProfileDir?: string;
}

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

export function readPeakMemory(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/^VmHWM:\s+(\d+) kB$/m);
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts a server in a child process and waits for it to say which port it listens on. */
export async function startServerProcess(
  cleanup: Cleanup,
  spec: ServerSpec,
): Promise<ServerProcess> {
  const log = openSync(spec.logPath, 'a');
  const profiling = spec.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`]
    : [];
  const child = spawn(process.execPath, [...profiling, spec.script, ...(spec.args ?? [])], {
    env: spec.env,
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const forget = cleanup.add(`${spec.name} (pid ${child.pid})`, () => stopChild(child, exited));

  let port: number;
  try {
    port = await waitForReady(child, spec);
  } catch (error) {
    await forget();
    throw error;
  }

  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (message: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(`${spec.name}: ${message.error}`));
  });
  child.once('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${spec.name} exited`));
    pending.clear();
  });

  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    logPath: spec.logPath,
    request<T>(request: ServerRequest) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, request });
      });
    },
    peakMemory: () => readPeakMemory(child.pid!),
    stop: forget,
  };
}

function waitForReady(child: ChildProcess, spec: ServerSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${spec.name} did not start in time:\n${logTail(spec.logPath)}`));
    }, START_TIMEOUT_MS);
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message.port!);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${spec.name} exited (${signal ?? code}) while starting:\n${logTail(spec.logPath)}`,
        ),
      );
    });
  });
}

/** Asks the server to stop (so a CPU profile gets written), then insists. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send({ id: 0, request: { type: 'stop' } satisfies ServerRequest });
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
