import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../paths.js';

export interface Asset {
  body: Buffer;
  contentType: string;
}

export interface AssetCatalog {
  /** Public URL of an entry point, e.g. `upload.js` → `/static/upload.3f9c2a1b.js`. */
  url(entry: string): string;
  /** The asset behind a fingerprinted file name, if there is one. */
  get(fileName: string): Asset | undefined;
}

const ENTRIES = ['upload.ts', 'styles.css'];
const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Bundles and minifies the client scripts and styles in memory once at start. File names
 * carry a hash of their content, so they can be cached for a year and never go stale.
 */
export async function buildAssets(): Promise<AssetCatalog> {
  const clientDir = join(projectRoot, 'src', 'web', 'client');
  const result = await build({
    entryPoints: ENTRIES.map((entry) => join(clientDir, entry)),
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target: ['es2020'],
    outdir: '/assets',
    logLevel: 'silent',
    legalComments: 'none',
  });

  const byName = new Map<string, Asset>();
  const urls = new Map<string, string>();
  for (const file of result.outputFiles) {
    const base = file.path.slice('/assets/'.length);
    const [stem, extension = ''] = base.split(/\.(?=[^.]+$)/);
    const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 12);
    const fileName = `${stem}.${hash}.${extension}`;
    byName.set(fileName, {
      body: Buffer.from(file.contents),
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    });
    urls.set(`${stem}.${extension}`, `/static/${fileName}`);
  }

  return {
    url(entry) {
      const url = urls.get(entry);
      if (!url) throw new Error(`No such asset: ${entry}`);
      return url;
    },
    get: (fileName) => byName.get(fileName),
  };
}
