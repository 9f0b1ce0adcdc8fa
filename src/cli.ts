#!/usr/bin/env node
import 'dotenv/config';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connect.js';

const USAGE = `Usage: khaznati <command>

Commands:
  migrate   apply database migrations not yet applied (they also run at start)
  cleanup   remove expired uploads and sessions, and files in the trash for over 30 days
`;

async function run(command: string | undefined): Promise<number> {
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
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

  console.error(`Unknown command: ${command}\n`);
  process.stdout.write(USAGE);
  return 2;
}

try {
  process.exitCode = await run(process.argv[2]);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
