import { Upload } from 'tus-js-client';
import type { Client } from '../helpers/browser-like-client.js';
import { randomFile, sha256, tusHeaders } from '../helpers/uploads.js';
import { listedFiles } from '../helpers/vault-check.js';

export interface Person {
  client: Client;
  /** Name to SHA-256 of every upload the server acknowledged as complete. */
  expected: Map<string, string>;
  /** Uploads interrupted by a refusal, to resume once the fault is gone. */
  unfinished: Array<{ name: string; data: Buffer; url: string | undefined }>;
}

export interface Answer {
  what: string;
  status: number | 'network error';
  body: string;
}

/**
 * What people do all day, in a loop until `stop()` or `maxRounds`: open their files page,
 * upload a small file with tus-js-client, download one of their files. Every answer is
 * recorded for the test to judge.
 */
export async function browseAndUpload(
  person: Person,
  stop: () => boolean,
  record: (answer: Answer) => void,
  maxRounds = 300,
): Promise<void> {
  for (let round = 0; round < maxRounds && !stop(); round++) {
    const page = await person.client.get('/files').catch(() => undefined);
    record({
      what: 'files page',
      status: page?.status ?? 'network error',
      body: (await page?.text()) ?? '',
    });

    const data = randomFile(8 * 1024 + ((round * 7919) % 56_000));
    const name = `traffic-${round}-${sha256(data).slice(0, 8)}.bin`;
    const headers = await tusHeaders(person.client).catch(() => undefined);
    if (headers) {
      const outcome = await tusUpload(person.client, headers, data, name);
      if (outcome.ok) person.expected.set(name, sha256(data));
      else {
        person.unfinished.push({ name, data, url: outcome.url });
        record({ what: 'upload', status: outcome.status, body: outcome.body });
      }
    }

    const files = await listedFiles(person.client).catch(() => []);
    const one = files[round % Math.max(1, files.length)];
    if (one) {
      const download = await person.client.get(`/files/${one.id}/download`).catch(() => undefined);
      const body = download ? Buffer.from(await download.arrayBuffer()) : Buffer.alloc(0);
      record({
        what: 'download',
        status: download?.status ?? 'network error',
        body: download?.status === 200 ? '' : body.toString(),
      });
    }
  }
}

async function tusUpload(
  client: Client,
  headers: Record<string, string>,
  data: Buffer,
  name: string,
): Promise<{ ok: true } | { ok: false; url: string | undefined; status: number; body: string }> {
  return new Promise((resolve) => {
    const upload = new Upload(data, {
      endpoint: `${client.baseUrl}/uploads`,
      retryDelays: [],
      metadata: { filename: name },
      headers,
      onError(error) {
        const response = (
          error as { originalResponse?: { getStatus(): number; getBody(): string } }
        ).originalResponse;
        resolve({
          ok: false,
          url: upload.url ?? undefined,
          status: response?.getStatus() ?? 0,
          body: response?.getBody() ?? error.message,
        });
      },
      onSuccess: () => resolve({ ok: true }),
    });
    upload.start();
  });
}
