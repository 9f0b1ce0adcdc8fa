import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Upload } from 'tus-js-client';

/** The chunk size the files page uses, under Cloudflare's 100 MB request cap. */
export const CHUNK_SIZE = 50 * 1024 * 1024;

/**
 * Uploads a file from disk with tus-js-client, as the files page does but without retries
 * (an error must show, not be hidden by a retry). Resolves with the seconds it took.
 */
export function uploadFile(options: {
  endpoint: string;
  path: string;
  name: string;
  headers?: Record<string, string>;
}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const upload = new Upload(createReadStream(options.path), {
      endpoint: options.endpoint,
      chunkSize: CHUNK_SIZE,
      retryDelays: [],
      metadata: { filename: options.name },
      headers: options.headers ?? {},
      onError: reject,
      onSuccess: () => resolve((performance.now() - started) / 1000),
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
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  return {
    seconds: (performance.now() - started) / 1000,
    errors: failures.length,
    firstError: failures[0] ? String(failures[0].reason) : undefined,
  };
}
