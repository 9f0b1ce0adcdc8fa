import type { Client } from './browser-like-client.js';

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** The id of the folder named `name` in a listing page, if it is listed. */
export function folderIdFromListing(html: string, name: string): string | undefined {
  const escaped = escapeHtml(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = html.match(
    new RegExp(`href="/files\\?folder=([0-9a-f-]{36})"[^>]*><bdi>${escaped}</bdi>`),
  );
  return link?.[1];
}

export function listingPath(folder?: string): string {
  return folder ? `/files?folder=${folder}` : '/files';
}

/** Creates a folder through the page's form; resolves with its id. */
export async function createFolder(client: Client, name: string, parent = ''): Promise<string> {
  const response = await client.submit(listingPath(parent), '/folders', { name, parent });
  if (response.status !== 303) throw new Error(`folder not created: ${response.status}`);
  const html = await (await client.get(listingPath(parent))).text();
  const id = folderIdFromListing(html, name);
  if (!id) throw new Error(`folder ${name} not listed`);
  return id;
}

/** Posts the listing's selection form, as the "with the selected items" buttons do. */
export async function submitSelection(
  client: Client,
  fields: { action: string; file?: string[]; folder?: string[]; destination?: string },
): Promise<Response> {
  const token = await client.csrfToken('/files');
  const body = new URLSearchParams({ _csrf: token, action: fields.action });
  for (const id of fields.file ?? []) body.append('file', id);
  for (const id of fields.folder ?? []) body.append('folder', id);
  body.set('destination', fields.destination ?? '');
  return client.request('/files/selection', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

export async function listing(client: Client, path = '/files'): Promise<string> {
  return (await client.get(path)).text();
}
