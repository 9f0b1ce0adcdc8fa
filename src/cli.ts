#!/usr/bin/env node
import 'dotenv/config';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { rotateKeys, verifyFiles } from './files/key-commands.js';
import { generateMasterKeyEntry } from './storage/encryption/index.js';

const USAGE = `Usage: khaznati <command>

Commands:
  migrate         apply database migrations not yet applied (they also run at start)
  cleanup         remove expired uploads and sessions, and files in the trash for over 30 days
  keys generate   print a new master key entry to put first in KHAZNATI_MASTER_KEYS
  keys rotate     re-wrap every file's data key under the newest master key
  keys verify     decrypt every file, list the damaged ones (exit code 1 if any)
`;

async function run(command: string | undefined, argument?: string): Promise<number> {
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  // Needs no configuration: it is how the first key is made.
  if (command === 'keys' && argument === 'generate') {
    console.log(generateMasterKeyEntry());
    return 0;
  }
  const config = loadConfig(process.env, {
    warn: (message) => console.warn(`warning: ${message}`),
  });

  if (command === 'migrate') {
    const database = await openDatabase(config);
    await database.migrate();
    await database.close();
    console.log(`Migrations applied (${database.kind}).`);
    return 0;
  }

  if (command === 'cleanup') {
    const { createApp } = await import('./app.js');
    const app = await createApp({ ...config, logLevel: 'warn' });
    const removed = await app.cleanUp();
    await app.close();
    console.log(
      `Removed ${removed.uploads} expired upload(s), ${removed.trashedFiles} file(s) ` +
        'from the trash, and expired sessions.',
    );
    return 0;
  }

  if (command === 'keys' && (argument === 'rotate' || argument === 'verify')) {
    const { openBlobStore } = await import('./app.js');
    const database = await openDatabase(config);
    await database.migrate();
    const blobs = await openBlobStore(config);
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
      if (argument === 'rotate') {
        const result = await rotateKeys(parts);
        return result.failed.length > 0 || result.interrupted ? 1 : 0;
      }
      return (await verifyFiles(parts)).damaged.length > 0 ? 1 : 0;
    } finally {
      await database.close();
      // An S3 client keeps connections open, which would keep the command from ending.
      blobs.close?.();
    }
  }

  console.error(`Unknown command: ${[command, argument].filter(Boolean).join(' ')}\n`);
  process.stdout.write(USAGE);
  return 2;
}

try {
  process.exitCode = await run(process.argv[2], process.argv[3]);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
