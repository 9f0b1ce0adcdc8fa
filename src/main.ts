import 'dotenv/config';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

// If closing itself hangs (a database that never answers), the process still ends.
const CLOSE_BACKSTOP_MS = 15_000;

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, { warn: (message) => console.warn(`warning: ${message}`) });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    // DATA_DIR unusable (a file, no permission): say which folder, without a stack trace.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EACCES' || code === 'EEXIST' || code === 'EROFS') {
      console.error(`Start failed: DATA_DIR cannot be used (${(error as Error).message})`);
      process.exit(1);
    }
    throw error;
  }

  const app = await createApp(config).catch((error: Error) => {
    // An unreachable database, bucket or Redis: one line that names it, no stack trace.
    console.error(`Start failed: ${error.message}`);
    process.exit(1);
  });
  const { server } = app;
  await server.listen({ host: config.host, port: config.port }).catch(async (error) => {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE') {
      console.error(`Start failed: ${where} is already in use; set PORT to another port`);
    } else if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      console.error(`Start failed: cannot listen on ${where} (${code}); check HOST and PORT`);
    } else {
      throw error;
    }
    await app.close().catch(() => {});
    process.exit(1);
  });
  app.scheduleCleanup();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ category: 'app', signal }, 'stopping');
    setTimeout(() => {
      server.log.error({ category: 'app' }, 'stop took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + CLOSE_BACKSTOP_MS).unref();
    app.close().then(
      () => {
        server.log.info({ category: 'app' }, 'stopped; database closed');
        process.exit(0);
      },
      (err) => {
        server.log.error({ category: 'app', err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
