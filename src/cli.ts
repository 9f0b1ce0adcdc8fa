#!/usr/bin/env node
import 'dotenv/config';
import { resolve } from 'node:path';
import { type Config, ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { DatabaseInUseError } from './db/pglite-lock.js';
import { rotateKeys, verifyFiles } from './files/key-commands.js';
import { BackupError, KEYS_REMINDER } from './maintenance/backup-format.js';
import { generateMasterKeyEntry } from './storage/encryption/index.js';

const USAGE = `Usage: khaznati <command>

Commands:
  migrate         apply database migrations not yet applied (they also run at start)
  cleanup         remove expired uploads and sessions, files in the trash for over 30
                  days and old orphan blobs, and report what was removed
  fsck [--repair] [--deep]
                  compare the database with the stored bytes: report files and uploads
                  whose bytes are missing or damaged, and blobs no row refers to
                  (--repair removes those); --deep decrypts and authenticates every file
  backup <dir>    write the database and every blob into a new folder
  restore <dir>   load a backup into a fresh install (empty database and DATA_DIR)
  keys generate   print a new master key entry to put first in KHAZNATI_MASTER_KEYS
  keys rotate     re-wrap every file's data key under the newest master key
  keys verify     decrypt every file, list the damaged ones (exit code 1 if any)

With the embedded database (no DATABASE_URL), stop the server first: only one process
may open it.
`;

type Command = (config: Config, args: string[]) => Promise<number>;

const print = (lines: string[]) => {
  for (const line of lines) console.log(line);
};

/** Opens the database and the blob store for `work`, and closes the database after it. */
async function withStorage<T>(
  config: Config,
  work: (storage: Awaited<ReturnType<typeof import('./app.js').openStorage>>) => Promise<T>,
): Promise<T> {
  const { openStorage } = await import('./app.js');
  const storage = await openStorage(config);
  try {
    return await work(storage);
  } finally {
    await storage.database.close();
  }
}

const commands: Record<string, Command> = {
  async migrate(config) {
    const database = await openDatabase(config);
    try {
      await database.migrate();
    } finally {
      await database.close();
    }
    console.log(`Migrations applied (${database.kind}).`);
    return 0;
  },

  async cleanup(config) {
    const { createApp } = await import('./app.js');
    const { describeCleanup } = await import('./maintenance/report.js');
    const app = await createApp({ ...config, logLevel: 'warn' });
    try {
      print(describeCleanup(await app.cleanUp()));
    } finally {
      await app.close();
    }
    return 0;
  },

  async fsck(config, args) {
    const { openStorage } = await import('./app.js');
    const { checkStorage } = await import('./maintenance/fsck.js');
    const { contentAuthenticates, storedSizeMatches } = await import('./maintenance/verify.js');
    const { describeFsck, fsckProblems } = await import('./maintenance/report.js');
    const graceMs = config.uploadExpiryMs;
    const { database, blobs } = await openStorage(config);
    try {
      const report = await checkStorage(database.db, blobs, {
        repair: args.includes('--repair'),
        verify: args.includes('--deep')
          ? contentAuthenticates(config.masterKeys)
          : storedSizeMatches,
        graceMs,
      });
      print(describeFsck(report, graceMs));
      return fsckProblems(report, graceMs) === 0 ? 0 : 1;
    } finally {
      await database.close();
    }
  },

  async backup(config, [target]) {
    if (!target) return usage('backup needs a folder');
    const { writeBackup } = await import('./maintenance/backup.js');
    const { describeBackup } = await import('./maintenance/report.js');
    const manifest = await withStorage(config, ({ database, blobs }) =>
      writeBackup(database.db, database.kind, blobs, resolve(target)),
    );
    console.log(`Backup written to ${resolve(target)}:`);
    print(describeBackup(manifest));
    console.log(`\n${KEYS_REMINDER}`);
    return 0;
  },

  async restore(config, [source]) {
    if (!source) return usage('restore needs a backup folder');
    const { restoreBackup } = await import('./maintenance/restore.js');
    const { describeBackup } = await import('./maintenance/report.js');
    const manifest = await withStorage(config, ({ database, blobs }) =>
      restoreBackup(database.db, blobs, resolve(source)),
    );
    console.log(`Restored the backup of ${manifest.createdAt}:`);
    print(describeBackup(manifest));
    console.log(`\n${KEYS_REMINDER}`);
    return 0;
  },

  async keys(config, [action]) {
    if (action !== 'rotate' && action !== 'verify') return usage(`Unknown command: keys ${action}`);
    const { openStorage } = await import('./app.js');
    const { database, blobs } = await openStorage(config);
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    try {
      const parts = {
        db: database.db,
        blobs,
        ring: config.masterKeys,
        say: (line: string) => console.log(line),
        signal: stop.signal,
      };
      if (action === 'rotate') {
        const result = await rotateKeys(parts);
        return result.failed.length > 0 || result.interrupted ? 1 : 0;
      }
      return (await verifyFiles(parts)).damaged.length > 0 ? 1 : 0;
    } finally {
      await database.close();
    }
  },
};

function usage(problem: string): number {
  console.error(`${problem}\n`);
  process.stdout.write(USAGE);
  return 2;
}

async function run([command, ...args]: string[]): Promise<number> {
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  // Needs no configuration: it is how the first key is made.
  if (command === 'keys' && args[0] === 'generate') {
    console.log(generateMasterKeyEntry());
    return 0;
  }
  const handler = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!handler) return usage(`Unknown command: ${[command, ...args].join(' ')}`);
  const config = loadConfig(process.env, {
    warn: (message) => console.warn(`warning: ${message}`),
  });
  return handler(config, args);
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exitCode = 1;
  } else if (error instanceof DatabaseInUseError || error instanceof BackupError) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
