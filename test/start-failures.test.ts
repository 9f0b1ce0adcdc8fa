/**
 * A start that cannot succeed ends at once with one line saying why and what to change,
 * never a stack trace: a port already taken, a DATA_DIR that is a file, a bad variable.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../src/paths.js';

const run = promisify(execFile);

async function start(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const { PATH, HOME } = process.env;
  try {
    await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: projectRoot,
      env: { PATH: PATH ?? '', HOME: HOME ?? '', LOG_LEVEL: 'warn', ...env },
      timeout: 120_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

describe('a start that cannot succeed', () => {
  let folder: string;
  let taken: Server;
  let port: number;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'khaznati-start-'));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  after(async () => {
    taken.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('names the port already in use and what to change', async () => {
    const result = await start({ DATA_DIR: join(folder, 'data'), PORT: String(port) });
    assert.equal(result.code, 1);
    assert.equal(
      lastLine(result.stderr),
      `Start failed: 127.0.0.1:${port} is already in use; set PORT to another port`,
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('names a DATA_DIR that is not a folder', async () => {
    const file = join(folder, 'a-file');
    await writeFile(file, 'not a folder');
    const result = await start({ DATA_DIR: file, PORT: '0' });
    assert.equal(result.code, 1);
    assert.match(lastLine(result.stderr), /^Start failed: DATA_DIR cannot be used \(ENOTDIR/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('names a bad variable', async () => {
    const result = await start({ DATA_DIR: join(folder, 'data'), PORT: 'abc' });
    assert.equal(result.code, 1);
    assert.match(lastLine(result.stderr), /^Configuration error: PORT: /);
  });
});
