import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNginxConfig } from '../../infrastructure/nginx/render.mjs';
import { projectRoot } from '../../src/paths.js';
import { generateMasterKeyEntry } from '../../src/storage/encryption/index.js';
import { databaseTargets } from '../helpers/databases.js';
import { type S3Emulator, startS3Emulator } from '../helpers/s3-emulator.js';
import { type Child, findNginx, freePort, startChild, waitFor } from './processes.js';

/** Connections from this address are trusted like Cloudflare's edge by the test's nginx. */
export const TRUSTED_EDGE = '127.0.0.2';

export interface Cluster {
  /** nginx, in front of every instance. */
  url: string;
  instances: { port: number; child: Child }[];
  databaseUrl: string;
  accessLog(): Promise<AccessLogLine[]>;
  /** Waits, briefly, until the access log holds `count` lines that pass `filter`. */
  logLines(filter: (line: AccessLogLine) => boolean, count: number): Promise<AccessLogLine[]>;
  stop(): Promise<void>;
}

export interface AccessLogLine {
  client: string;
  method: string;
  path: string;
  status: number;
  upstream: string;
  [field: string]: unknown;
}

/**
 * Production's shape on loopback: the shipped nginx site (rendered by render.mjs) in front
 * of two app processes, which share a fresh Postgres database, Redis and the S3 emulator,
 * and nothing else: each has its own DATA_DIR.
 */
export async function startCluster(options: {
  postgresUrl: string;
  redisUrl: string;
  env?: Record<string, string>;
}): Promise<Cluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    const workDir = await mkdtemp(join(tmpdir(), 'khaznati-cluster-'));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    const postgres = databaseTargets().find((target) => target.name === 'postgres')!;
    const database = await postgres.create();
    cleanups.push(() => database.drop());
    const emulator: S3Emulator = await startS3Emulator();
    cleanups.push(() => emulator.stop());

    // Every instance needs the same master key to read what another one wrote.
    const masterKeys = generateMasterKeyEntry();
    const instances: Cluster['instances'] = [];
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const child = startChild(
        `app ${name}`,
        process.execPath,
        ['--import', 'tsx', 'src/main.ts'],
        {
          cwd: projectRoot,
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'test',
            HOST: '127.0.0.1',
            PORT: String(port),
            DATA_DIR: join(workDir, `data-${name}`),
            DATABASE_URL: database.url!,
            REDIS_URL: options.redisUrl,
            TRUSTED_PROXIES: '127.0.0.1/32',
            LOG_LEVEL: 'warn',
            SECRET_KEY: 'cluster-secret-key-cluster-secret-key-0123',
            SECURITY_PASSWORD_SALT: 'cluster-pepper-0123456789',
            KHAZNATI_MASTER_KEYS: masterKeys,
            // A .env beside package.json must not leak into the instances.
            DOTENV_CONFIG_PATH: join(workDir, 'no.env'),
            ...emulator.env,
            ...options.env,
          },
        },
      );
      cleanups.push(() => child.stop());
      instances.push({ port, child });
    }
    for (const { port, child } of instances) {
      await waitFor(child.name, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, {
        describe: child.output,
      });
    }

    const listenPort = await freePort();
    const written = writeNginxConfig({
      listenPort,
      upstreams: instances.map(({ port }) => `127.0.0.1:${port}`),
      prefixDir: join(workDir, 'nginx'),
      realIpFrom: [`${TRUSTED_EDGE}/32`],
    });
    const nginx = startChild('nginx', findNginx()!, written.args);
    cleanups.push(() => nginx.stop());
    const url = `http://127.0.0.1:${listenPort}`;
    await waitFor('nginx', async () => (await fetch(`${url}/healthz`)).ok, {
      timeoutMs: 20_000,
      describe: () => `${nginx.output()}\n${instances.map((i) => i.child.output()).join('\n')}`,
    });

    const accessLog = async () => {
      const text = await readFile(written.accessLogPath, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AccessLogLine);
    };
    return {
      url,
      instances,
      databaseUrl: database.url!,
      accessLog,
      async logLines(filter, count) {
        let lines: AccessLogLine[] = [];
        // nginx writes a line once the response is sent, a moment after the client has it.
        const enough = async () => {
          lines = (await accessLog()).filter(filter);
          return lines.length >= count;
        };
        await waitFor(`${count} access log lines`, enough, { timeoutMs: 5000 });
        return lines;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
