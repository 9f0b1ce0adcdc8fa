import { type ClientRequest, request } from 'node:http';
import { Upload } from 'tus-js-client';
import type { Client } from './browser-like-client.js';
import { tusHeaders } from './uploads.js';

export interface PatchResult {
  status: number;
  offset: number | undefined;
  /** The message of a refusal. */
  body: string;
}

export interface PatchInFlight {
  /** Resolves once the first `sendBytes` bytes of the body are handed to the socket. */
  sent: Promise<void>;
  /**
   * Sends the rest of the body; with `bytesPerSecond`, slowly, like a phone on a bad link,
   * giving up (and closing the connection) after `maxMs`.
   */
  finish(bytesPerSecond?: number, maxMs?: number): Promise<void>;
  bytesSent(): number;
  /** The answer, or undefined when the connection died first (the server was killed). */
  response: Promise<PatchResult | undefined>;
}

/**
 * One tus PATCH over its own connection, sending only the first `sendBytes` bytes of `body`
 * (all of it by default), so that a test can kill the server at an exact point of a chunk.
 */
export function sendPatch(
  client: Client,
  headers: Record<string, string>,
  location: string,
  offset: number,
  body: Buffer,
  sendBytes = body.length,
): PatchInFlight {
  const url = new URL(location, client.baseUrl);
  const req = request(url, {
    method: 'PATCH',
    agent: false,
    headers: {
      ...headers,
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
      'content-length': String(body.length),
    },
  });
  const response = new Promise<PatchResult | undefined>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const header = res.headers['upload-offset'];
        const offset = header ? Number(header) : undefined;
        resolve({ status: res.statusCode ?? 0, offset, body: text });
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
  });
  let position = 0;
  const write = async (until: number, piece: number, pauseMs: number, deadline = Infinity) => {
    for (; position < until && !req.destroyed; ) {
      if (Date.now() > deadline) {
        req.destroy();
        return;
      }
      const slice = body.subarray(position, Math.min(position + piece, until));
      position += slice.length;
      if (!req.write(slice)) await drained(req);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    if (position === body.length && !req.destroyed) req.end();
  };
  const sent = write(sendBytes, 64 * 1024, 0);
  const finish = async (bytesPerSecond?: number, maxMs = 60_000) => {
    await sent;
    if (!bytesPerSecond) return write(body.length, 64 * 1024, 0);
    return write(body.length, 1, 1000 / bytesPerSecond, Date.now() + maxMs);
  };
  return { sent, finish, response, bytesSent: () => position };
}

function drained(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

export async function headUpload(client: Client, location: string) {
  const response = await client.request(location, {
    method: 'HEAD',
    headers: { 'tus-resumable': '1.0.0' },
  });
  const offset = response.headers.get('upload-offset');
  return { status: response.status, offset: offset === null ? undefined : Number(offset) };
}

/**
 * Finishes an upload with the real tus-js-client from wherever the server says it stands,
 * recording the lowest offset the client sent bytes from.
 */
export async function resumeWithTus(
  client: Client,
  data: Buffer,
  options: { uploadUrl?: string; name: string; chunkSize?: number },
): Promise<{ url: string; lowestOffsetSent: number }> {
  const headers = await tusHeaders(client);
  let lowest = Number.POSITIVE_INFINITY;
  return new Promise((resolve, reject) => {
    const upload = new Upload(data, {
      endpoint: `${client.baseUrl}/uploads`,
      uploadUrl: options.uploadUrl && new URL(options.uploadUrl, client.baseUrl).toString(),
      chunkSize: options.chunkSize ?? 1024 * 1024,
      retryDelays: [],
      metadata: { filename: options.name },
      headers,
      onBeforeRequest(req) {
        if (req.getMethod() === 'PATCH') {
          lowest = Math.min(lowest, Number(req.getHeader('Upload-Offset')));
        }
      },
      onError: reject,
      onSuccess: () => resolve({ url: upload.url!, lowestOffsetSent: lowest }),
    });
    upload.start();
  });
}
