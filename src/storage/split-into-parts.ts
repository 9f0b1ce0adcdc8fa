import type { Readable } from 'node:stream';

/**
 * Reads `source` into pieces of at most `partBytes` and hands each to `write` as it fills,
 * so memory holds one piece however long the stream is; the stream waits while a piece is
 * written. The same buffer is filled again once `write` resolves, so `write` must copy
 * what it keeps. When the source fails part-way (a dropped connection), the bytes that did arrive
 * are still written before the error is passed on, as a file on disk would keep them: a
 * resumed upload then continues from there instead of sending the whole chunk again. An
 * abort writes nothing more. Resolves with the number of bytes written.
 */
export async function splitIntoParts(
  source: Readable,
  partBytes: number,
  write: (bytes: Buffer) => Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  let piece: Buffer | undefined;
  let filled = 0;
  let written = 0;

  const flush = async () => {
    if (!piece || filled === 0) return;
    const bytes = piece.subarray(0, filled);
    filled = 0;
    await write(bytes);
    written += bytes.length;
  };

  try {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      let rest: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      while (rest.length > 0) {
        piece ??= Buffer.allocUnsafe(partBytes);
        const taken = rest.copy(piece, filled);
        filled += taken;
        rest = rest.subarray(taken);
        if (filled === partBytes) await flush();
      }
    }
  } catch (error) {
    if (!signal?.aborted) await flush();
    throw error;
  }
  await flush();
  return written;
}
