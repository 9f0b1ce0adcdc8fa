import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface SlowSend {
  /** The request head up to the point where sending slows down (may stop mid-header). */
  head: string;
  /** Sent at once after the head. */
  burst?: Buffer;
  /** Sent after the burst, `piece` bytes every `everyMs` ms. */
  rest: Buffer;
  piece: number;
  everyMs: number;
  /** The client gives up (and closes) after this long. */
  giveUpMs: number;
}

export interface SlowOutcome {
  /** The server closed the connection before the client gave up or finished. */
  cut: boolean;
  /** Everything the server wrote back. */
  answer: string;
  /** Bytes handed to the socket, the head included. */
  bytesSent: number;
  bodyBytesSent: number;
  ms: number;
}

/**
 * A client on a raw connection that sends a request as slowly as asked: a phone on a
 * weak link, or someone holding a server slot on purpose with a byte a second.
 */
export async function sendSlowly(url: string, plan: SlowSend): Promise<SlowOutcome> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const started = Date.now();
  let closed = false;
  let answer = '';
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const closing = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );

  let bytesSent = 0;
  let bodyBytesSent = 0;
  const send = (data: Buffer, body: boolean) => {
    if (closed || socket.destroyed) return;
    socket.write(data);
    bytesSent += data.length;
    if (body) bodyBytesSent += data.length;
  };
  send(Buffer.from(plan.head, 'latin1'), false);
  if (plan.burst) send(plan.burst, true);

  for (let at = 0; at < plan.rest.length && !closed; at += plan.piece) {
    if (Date.now() - started > plan.giveUpMs) break;
    await Promise.race([delay(plan.everyMs), closing]);
    send(plan.rest.subarray(at, at + plan.piece), true);
  }
  // A request sent whole (with `Connection: close`) gets its answer, then the server closes.
  const cut = closed;
  if (!closed) {
    await Promise.race([closing, delay(10_000)]);
    socket.destroy();
  }
  return { cut, answer, bytesSent, bodyBytesSent, ms: Date.now() - started };
}
