import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { S3Settings } from '../../src/config-s3.js';

export interface S3Emulator {
  settings: S3Settings;
  /** The same settings as the S3_* variables of an app process. */
  env: Record<string, string>;
  stop(): Promise<void>;
  /** Stops the emulator as an outage would, keeping the bucket's objects on disk. */
  goDown(): Promise<void>;
  /** Starts it again on the same port and folder: the bucket comes back as it was. */
  comeBack(): Promise<void>;
}

const SCRIPT = join(import.meta.dirname, 's3-emulator-process.mjs');
// For the emulator's continuation tokens (see s3-emulator-process.mjs), where Node has it.
const LEGACY_OPENSSL = process.allowedNodeEnvironmentFlags.has('--openssl-legacy-provider')
  ? ['--openssl-legacy-provider']
  : [];
const START_TIMEOUT_MS = 20_000;

/** Starts the S3 emulator (s3rver) on a free loopback port, with one empty bucket. */
export async function startS3Emulator(): Promise<S3Emulator> {
  const directory = await mkdtemp(join(tmpdir(), 'khaznati-s3-'));
  const bucket = 'khaznati-test';
  const launch = () =>
    spawn(process.execPath, [...LEGACY_OPENSSL, SCRIPT, directory, bucket, String(port)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
  let port = 0;
  let child = launch();

  try {
    port = await readPort(child);
    const settings: S3Settings = {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    };
    return {
      settings,
      env: {
        S3_ENDPOINT: settings.endpoint,
        S3_REGION: settings.region,
        S3_BUCKET: bucket,
        S3_ACCESS_KEY: settings.accessKeyId,
        S3_SECRET_KEY: settings.secretAccessKey,
      },
      stop: () => stop(child, directory),
      goDown: () => stop(child),
      async comeBack() {
        if (child.exitCode === null && child.signalCode === null) return;
        child = launch();
        await readPort(child);
      },
    };
  } catch (error) {
    await stop(child, directory);
    throw error;
  }
}

async function readPort(child: ChildProcess): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  try {
    for await (const line of lines) return (JSON.parse(line) as { port: number }).port;
    throw new Error('The S3 emulator stopped before it listened');
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

async function stop(child: ChildProcess, directory?: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (directory) await rm(directory, { recursive: true, force: true });
}
