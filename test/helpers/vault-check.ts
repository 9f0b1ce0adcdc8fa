import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Client } from './browser-like-client.js';

export interface ListedFile {
  id: string;
  name: string;
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/** Every file on the person's files page, as the page shows it. */
export async function listedFiles(client: Client): Promise<ListedFile[]> {
  const response = await client.get('/files');
  assert.equal(response.status, 200, 'the files page answers');
  const html = await response.text();
  const rows = html.matchAll(
    /href="\/files\/([0-9a-f-]{36})\/download"[^>]*>\s*<bdi>([\s\S]*?)<\/bdi>/g,
  );
  return [...rows].map(([, id = '', name = '']) => ({
    id,
    name: name.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity),
  }));
}

export interface VaultCheck {
  files: number;
  bytes: number;
}

/**
 * The invariants after a fault, seen the way the person sees them: every file the server
 * acknowledged is listed once and downloads byte-identical, and nothing else is listed (no
 * half-written file, no upload that never completed). `expected` maps names to SHA-256.
 */
export async function assertVaultIntact(
  client: Client,
  expected: Map<string, string>,
  context: string,
  /** Names left by an earlier failed run, so that one failure is reported only once. */
  ignored: ReadonlySet<string> = new Set(),
): Promise<VaultCheck> {
  const listed = (await listedFiles(client)).filter((file) => !ignored.has(file.name));
  const names = listed.map((file) => file.name).sort();
  assert.deepEqual(names, [...expected.keys()].sort(), `${context}: the listing is exact`);

  let bytes = 0;
  for (const file of listed) {
    const response = await client.get(`/files/${file.id}/download`);
    assert.equal(response.status, 200, `${context}: ${file.name} downloads`);
    // Hashed as it streams, so that large files are never held whole.
    const hash = createHash('sha256');
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      hash.update(read.value);
      bytes += read.value.length;
    }
    assert.equal(
      hash.digest('hex'),
      expected.get(file.name),
      `${context}: ${file.name} is identical`,
    );
  }
  return { files: listed.length, bytes };
}
