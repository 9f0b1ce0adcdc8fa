import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Teardown = () => Promise<void> | void;

/**
 * Everything the benchmark starts (servers, databases, browsers, temporary files) is
 * registered here as it starts and torn down in reverse order: after each measurement,
 * at the end, on an error, and on Ctrl-C.
 */
export class Cleanup {
  private readonly stack: Array<{ name: string; teardown: Teardown }> = [];
  /** Set on Ctrl-C or a kill: no further measurement starts and no report is written. */
  interrupted = false;

  /** Registers a teardown; the returned function runs it early and forgets it. */
  add(name: string, teardown: Teardown): () => Promise<void> {
    const entry = { name, teardown };
    this.stack.push(entry);
    return async () => {
      const index = this.stack.indexOf(entry);
      if (index === -1) return;
      this.stack.splice(index, 1);
      await teardown();
    };
  }

  async runAll(): Promise<void> {
    while (this.stack.length > 0) {
      const { name, teardown } = this.stack.pop()!;
      try {
        await teardown();
      } catch (error) {
        console.error(`cleanup of ${name} failed: ${(error as Error).message}`);
      }
    }
  }

  /** Teardowns of one thing (a server, its database, its folder), undone together. */
  group(name: string): { cleanup: Cleanup; close(): Promise<void> } {
    const cleanup = new Cleanup();
    const close = this.add(name, () => cleanup.runAll());
    return { cleanup, close };
  }

  /** A new private folder (under the system's temporary folder by default). */
  async tempDir(prefix: string, parent = tmpdir()): Promise<string> {
    const dir = await mkdtemp(join(parent, `${prefix}-`));
    this.add(`folder ${dir}`, () => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /** Ctrl-C or a kill tears everything down before the process ends. */
  onSignals(): void {
    const stop = (signal: NodeJS.Signals) => {
      if (this.interrupted) return;
      this.interrupted = true;
      console.error(`\n${signal}: stopping servers and removing temporary files…`);
      this.runAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
}
