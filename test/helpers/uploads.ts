import { createHash, randomBytes } from 'node:crypto';
import { Upload } from 'tus-js-client';
import type { Client } from './browser-like-client.js';
import type { TestApp } from './test-app.js';

export function sha256(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function randomFile(size: number): Buffer {
  return randomBytes(size);
}

/** Headers a signed-in page's script would send with each tus request. */
export async function tusHeaders(client: Client): Promise<Record<string, string>> {
  // The page visit may set a fresh CSRF cookie, so the cookies are read after it.
  const token = await client.csrfToken('/files');
  return { cookie: client.cookieHeader(), 'x-csrf-token': token };
}

/** Uploads with the real tus-js-client, as the page does; resolves with the upload URL. */
export async function uploadWithTus(
  client: Client,
  data: Buffer,
  options: { name?: string; chunkSize?: number; uploadUrl?: string; folder?: string } = {},
): Promise<string> {
  const headers = await tusHeaders(client);
  return new Promise((resolve, reject) => {
    const upload = new Upload(data, {
      endpoint: `${client.baseUrl}/uploads`,
      uploadUrl: options.uploadUrl,
      chunkSize: options.chunkSize ?? 1024 * 1024,
      retryDelays: [],
      metadata: {
        filename: options.name ?? 'file.bin',
        ...(options.folder ? { folder: options.folder } : {}),
      },
      headers,
      onError: reject,
      onSuccess: () => resolve(upload.url!),
    });
    upload.start();
  });
}

/** The raw tus requests, for the cases a well-behaved client never sends. */
export async function createUpload(
  client: Client,
  headers: Record<string, string>,
): Promise<Response> {
  return client.request('/uploads', {
    method: 'POST',
    headers: { 'tus-resumable': '1.0.0', ...(await tusHeaders(client)), ...headers },
  });
}

/** Creates an upload of `length` bytes named `name`; resolves with its address. */
export async function createNamedUpload(
  client: Client,
  name: string,
  length: number,
): Promise<string> {
  const created = await createUpload(client, {
    'upload-length': String(length),
    'upload-metadata': `filename ${Buffer.from(name).toString('base64')}`,
  });
  if (created.status !== 201) throw new Error(`upload not created: ${created.status}`);
  return created.headers.get('location')!;
}

export function fileIdFromListing(html: string, name: string): string | undefined {
  const asHtml = name
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
  const escaped = asHtml.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = html.match(
    new RegExp(`href="/files/([0-9a-f-]{36})/download"[^>]*><bdi>${escaped}</bdi>`),
  );
  return link?.[1];
}

/** Every blob key in the app's store, sorted. */
export async function storedBlobs(t: TestApp): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of t.app.blobs.list()) keys.push(key);
  return keys.sort();
}

export { randomBytes };
