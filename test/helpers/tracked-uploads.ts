import { Upload } from 'tus-js-client';
import type { Client } from './browser-like-client.js';
import { tusHeaders } from './uploads.js';

export interface TrackedUpload {
  name: string;
  data: Buffer;
  url: string | undefined;
  /** The highest offset the server acknowledged. */
  acknowledged: number;
  /** Settles when the upload succeeds (true) or fails (false); never rejects. */
  finished: Promise<boolean>;
  error: Error | undefined;
}

/** A tus-js-client upload that records how far the server acknowledged it. */
export async function startTrackedUpload(
  client: Client,
  data: Buffer,
  name: string,
  chunkSize = 256 * 1024,
): Promise<TrackedUpload> {
  const headers = await tusHeaders(client);
  const tracked: TrackedUpload = {
    name,
    data,
    url: undefined,
    acknowledged: 0,
    error: undefined,
    finished: Promise.resolve(false),
  };
  tracked.finished = new Promise((resolve) => {
    const upload = new Upload(data, {
      endpoint: `${client.baseUrl}/uploads`,
      chunkSize,
      retryDelays: [],
      metadata: { filename: name },
      headers,
      onUploadUrlAvailable() {
        tracked.url = upload.url ?? undefined;
      },
      onChunkComplete(_size, accepted) {
        tracked.acknowledged = Math.max(tracked.acknowledged, accepted);
      },
      onError(error) {
        tracked.error = error;
        resolve(false);
      },
      onSuccess() {
        tracked.acknowledged = data.length;
        resolve(true);
      },
    });
    upload.start();
  });
  return tracked;
}
