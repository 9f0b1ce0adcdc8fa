import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Upload } from 'tus-js-client';

/** The chunk size the files page uses, under Cloudflare's 100 MB request cap. */
export const CHUNK_SIZE = 50 * 1024 * 1024;

export interface UploadTiming {
  seconds: number;
  /**
   * How much longer the last chunk took than its size alone explains (at the pace of the
   * earlier chunks): the work the server does to finish a file. Zero with a single chunk.
   */
  finishing: number;
}

function finishingSeconds(chunks: Array<{ bytes: number; ms: number }>): number {
  const last = chunks.at(-1);
  if (!last || chunks.length < 2) return 0;
  const earlier = chunks.slice(0, -1);
  const msPerByte =
    earlier.reduce((sum, c) => sum + c.ms, 0) / earlier.reduce((sum, c) => sum + c.bytes, 0);
  return Math.max(0, last.ms - last.bytes * msPerByte) / 1000;
}

/**
 * Uploads a file from disk with tus-js-client, as the files page does but without retries
 * (an error must show, not be hidden by a retry).
 */
export function uploadFile(options: {
  endpoint: string;
  path: string;
  name: string;
  headers?: Record<string, string>;
}): Promise<UploadTiming> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const chunks: Array<{ bytes: number; ms: number }> = [];
    let chunkStarted = started;
    const upload = new Upload(createReadStream(options.path), {
      endpoint: options.endpoint,
      chunkSize: CHUNK_SIZE,
      retryDelays: [],
      metadata: { filename: options.name },
      headers: options.headers ?? {},
      onChunkComplete(bytes) {
        const now = performance.now();
        chunks.push({ bytes, ms: now - chunkStarted });
        chunkStarted = now;
      },
      onError: reject,
      onSuccess() {
        const seconds = (performance.now() - started) / 1000;
        resolve({ seconds, finishing: finishingSeconds(chunks) });
      },
    });
    upload.start();
  });
}

/** Starts `count` uploads at once; counts the ones that fail rather than stopping. */
export async function uploadConcurrently(
  count: number,
  options: { endpoint: string; path: string; headers?: Record<string, string> },
): Promise<{ seconds: number; errors: number; firstError?: string }> {
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => uploadFile({ ...options, name: `part-${i}.bin` })),
  );
  const failures = outcomes.filter((o) => o.status === 'rejected');
  return {
    seconds: (performance.now() - started) / 1000,
    errors: failures.length,
    firstError: failures[0] ? String(failures[0].reason) : undefined,
  };
}
