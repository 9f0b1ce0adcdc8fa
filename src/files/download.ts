import type { Readable } from 'node:stream';
import { create as contentDisposition } from 'content-disposition';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { AppError } from '../errors.js';
import type { BlobCodec } from '../storage/blob-codec.js';
import type { ByteRange } from '../storage/blob-store.js';
import { isDamage, reportDamage, storageFailure } from './damage.js';
import { downloadContentType } from './download-type.js';
import type { FileRow } from './files.js';

/**
 * Streams a file as an attachment, decrypting only the segments the range overlaps. Only a
 * single range is honoured (RFC 9110 §14.2 lets a server ignore a multi-range request and
 * send the whole representation). Memory stays flat: one segment at a time flows from the
 * store to the socket.
 */
export async function sendDownload(
  request: FastifyRequest,
  reply: FastifyReply,
  file: FileRow,
  codec: BlobCodec,
) {
  if (file.damagedAt) throw new AppError('file_damaged');
  const etag = `"${file.sha256.slice(0, 32)}"`;
  const range = requestedRange(request, file.size, etag);

  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${file.size}`);
    throw new AppError('range_not_satisfiable');
  }

  const notModified = request.headers['if-none-match'] === etag && !range;
  const withBody = !notModified && request.method !== 'HEAD' && file.size > 0;
  // Opened before any header is set: a file that fails its first check gets an error
  // page, not an attachment with the error page inside.
  const body = withBody ? await openFile(request, file, codec, range ?? undefined) : null;

  reply
    .header('Content-Type', downloadContentType(file.name))
    .header(
      'Content-Disposition',
      contentDisposition(file.name, { fallback: asciiFallback(file.name) }),
    )
    // A user's bytes are never rendered from our origin, whatever they contain.
    .header('Content-Security-Policy', "sandbox; default-src 'none'")
    .header('Cache-Control', 'private, no-store')
    .header('Accept-Ranges', 'bytes')
    .header('ETag', etag);
  if (notModified) return reply.code(304).send();

  if (range) {
    reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`)
      .header('Content-Length', range.end - range.start + 1);
  } else {
    reply.code(200).header('Content-Length', file.size);
  }
  return reply.send(body ?? undefined);
}

/**
 * A segment that fails authentication later destroys the stream: Fastify then destroys
 * the connection, so the client sees a broken download, never a clean end.
 */
async function openFile(
  request: FastifyRequest,
  file: FileRow,
  codec: BlobCodec,
  range: ByteRange | undefined,
): Promise<Readable> {
  const { db } = request.server;
  let stream: Readable;
  try {
    stream = await codec.read(file.blobKey, file.size, range);
  } catch (error) {
    throw await storageFailure(request.log, db, file.id, error);
  }
  stream.once('error', (error) => {
    if (isDamage(error)) void reportDamage(request.log, db, file.id, error);
  });
  return stream;
}

function requestedRange(
  request: FastifyRequest,
  size: number,
  etag: string,
): ByteRange | 'unsatisfiable' | null {
  const header = request.headers.range;
  if (!header) return null;
  // If-Range: a range of a different version of the file would corrupt a resumed download.
  const ifRange = request.headers['if-range'];
  if (ifRange && ifRange !== etag) return null;

  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return null;
  const [only] = ranges;
  return only ? { start: only.start, end: only.end } : null;
}

/** For clients without RFC 6266 `filename*`: printable ASCII only, no quotes or slashes. */
export function asciiFallback(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]|["\\/%]/g, '_');
  return ascii.trim() || 'download';
}
