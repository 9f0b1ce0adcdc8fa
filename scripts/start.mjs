// `npm start`: compiles the TypeScript when dist/ is missing or older than the sources,
// then runs the server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(path) {
  const info = statSync(path);
  if (info.isFile()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

const entry = join('dist', 'src', 'main.js');
const stale = !existsSync(entry) || newest('src') > statSync(entry).mtimeMs;
if (stale) {
  console.log('Building…');
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawn(process.execPath, [entry], { stdio: 'inherit' });
// The server stops cleanly on these; pass them on rather than leaving it orphaned.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
// A stop sent to `npm start` reaches the shell npm runs us in, which does not pass it on:
// when our parent goes away, stop the server the same clean way.
const parent = process.ppid;
const parentGone = () => {
  try {
    process.kill(parent, 0);
    return false;
  } catch {
    return true;
  }
};
setInterval(() => {
  if (parentGone()) server.kill('SIGTERM');
}, 500).unref();
