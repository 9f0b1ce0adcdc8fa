import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * The least a request body must bring, on average over each stall window. A 2G link
 * sends ten times this; a client under it for a whole window is gone or is holding the
 * slot on purpose (one byte a second keeps an idle timeout from ever firing).
 */
export const MIN_BODY_BYTES_PER_SECOND = 1024;

/**
 * Cuts a request whose body stalls: in every window of `stallMs` at least
 * `MIN_BODY_BYTES_PER_SECOND` must arrive on average. A phone sending steadily, however
 * slowly, is never cut, however long its chunk; a trickle is cut within two windows. A tus
 * upload loses nothing by the cut: the bytes that arrived are kept and the next PATCH
 * carries on from them. (Headers have their own deadline, Node's `headersTimeout`.)
 */
export function registerStallGuard(app: FastifyInstance, stallMs: number): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.raw.complete && expectsBody(request.raw))
      guardBody(request.raw, reply.raw, stallMs);
    done();
  });
}

function expectsBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function guardBody(req: IncomingMessage, res: ServerResponse, stallMs: number) {
  const socket = req.socket;
  const needed = (MIN_BODY_BYTES_PER_SECOND * stallMs) / 1000;
  let mark = socket.bytesRead;

  const timer = setInterval(() => {
    if (req.complete || socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const arrived = socket.bytesRead - mark;
    mark = socket.bytesRead;
    // Bytes received but not yet taken by the handler pause the socket: then the wait is
    // ours (storage applying back-pressure), not the client's.
    if (arrived >= needed || req.readableLength > 0) return;

    clearInterval(timer);
    if (socket.writable && !res.headersSent) {
      socket.write(
        'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
    }
    socket.destroy();
  }, stallMs);
  timer.unref();
  req.once('close', () => clearInterval(timer));
}
