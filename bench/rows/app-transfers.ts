import { basename } from 'node:path';
import type { RunningApp } from '../apps.js';
import { type Account, tusHeaders } from '../clients/account.js';
import { type ByteRange, downloadRanges, downloadWhole } from '../clients/curl-download.js';
import { uploadFile } from '../clients/tus-upload.js';
import type { ServerProcess } from '../server-process.js';
import { BARE_TUS_PATH } from '../servers/protocol.js';

/** Through the app's tus endpoint as a signed-in page does: session cookie and CSRF header. */
export async function uploadToApp(app: RunningApp, account: Account, path: string) {
  return uploadFile({
    endpoint: `${app.url}/uploads`,
    path,
    name: basename(path),
    headers: await tusHeaders(account),
  });
}

export function uploadToBareTus(server: ServerProcess, path: string) {
  return uploadFile({ endpoint: `${server.url}${BARE_TUS_PATH}`, path, name: basename(path) });
}

export interface Download {
  url: string;
  headers: Record<string, string>;
}

/** Where the signed-in user downloads the file uploaded from `path`. */
export async function appDownload(
  app: RunningApp,
  account: Account,
  path: string,
): Promise<Download> {
  const id = await app.request<string>({
    type: 'file-id',
    email: account.email,
    name: basename(path),
  });
  return {
    url: `${app.url}/files/${id}/download`,
    headers: { cookie: account.client.cookieHeader() },
  };
}

/** Whole, then as ranges; seconds for each. */
export async function timeDownloads(download: Download, size: number, ranges: ByteRange[]) {
  const whole = await downloadWhole(download.url, size, download.headers);
  const ranged = await downloadRanges(download.url, ranges, download.headers);
  return { whole, ranged };
}
