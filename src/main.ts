import 'dotenv/config';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

const CLEANUP_INTERVAL_MS = 3600_000;
const SHUTDOWN_GRACE_MS = 30_000;

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, { warn: (message) => console.warn(`warning: ${message}`) });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
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
  await server.listen({ host: config.host, port: config.port });

  const timer = setInterval(() => {
    app.cleanUp().catch((err) => server.log.error({ category: 'app', err }, 'cleanup failed'));
  }, CLEANUP_INTERVAL_MS);
  timer.unref();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ category: 'app', signal }, 'stopping');
    clearInterval(timer);
    // Requests in flight get a bounded time to finish; then the process goes regardless.
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
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
