import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../src/paths.js';

export const BUILD_DIR = join(projectRoot, 'bench', 'results', 'build');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'client' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The servers under test run as plain JavaScript, as `npm start` runs the app: loading
 * TypeScript through tsx would add about 45 MB to every memory figure. Files are
 * transpiled one by one (not bundled), so a CPU profile still names the source file.
 */
export async function buildServers(): Promise<{ app: string; bareTus: string }> {
  await rm(BUILD_DIR, { recursive: true, force: true });
  const entryPoints = [
    ...sourceFiles(join(projectRoot, 'src')),
    ...sourceFiles(join(projectRoot, 'bench', 'servers')),
  ];
  await build({
    entryPoints,
    outbase: projectRoot,
    outdir: BUILD_DIR,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    // Not for Node (it runs without them) but for reading CPU profiles back to the source.
    sourcemap: 'external',
    logLevel: 'error',
  });
  const built = (file: string) => join(BUILD_DIR, 'bench', 'servers', file);
  return { app: built('app-server.js'), bareTus: built('bare-tus-server.js') };
}

const sourceMaps = new Map<string, SourceMap | undefined>();

function sourceMapOf(path: string): SourceMap | undefined {
  if (!sourceMaps.has(path)) {
    try {
      sourceMaps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
    } catch {
      sourceMaps.set(path, undefined);
    }
  }
  return sourceMaps.get(path);
}

/**
 * A profile frame's place as a reader finds it: `src/web/format.ts:12` for our code (back
 * through the source map), the package and file for a dependency.
 */
export function sourceLocation(url: string, line: number, column: number): string {
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(BUILD_DIR)) {
    const entry = sourceMapOf(path)?.findEntry(line, column);
    if (entry && 'originalSource' in entry) {
      const source = resolve(dirname(path), entry.originalSource.replace(/^file:\/\//, ''));
      return `${relative(projectRoot, source)}:${entry.originalLine + 1}`;
    }
    return relative(BUILD_DIR, path);
  }
  const modules = path.lastIndexOf('/node_modules/');
  const name = modules === -1 ? path : path.slice(modules + '/node_modules/'.length);
  return `${name}:${line + 1}`;
}
