import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';

type RawHeaders = OutgoingHttpHeaders | (string | string[] | number)[] | undefined;

/**
 * Readies the raw response for a handler that writes it itself (tus): the headers every
 * response carries are copied over, since Fastify's own sending is bypassed, and the CORS
 * headers the handler adds are dropped, since no other origin is allowed. (tus bodies
 * already say `text/plain;charset=UTF-8`: @tus/server builds them as fetch Responses.)
 */
export function prepareHijackedResponse(reply: FastifyReply): void {
  const raw = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) raw.setHeader(name, value as string);
  }

  const writeHead = raw.writeHead.bind(raw) as (...args: unknown[]) => typeof raw;
  raw.writeHead = ((status: number, ...rest: unknown[]) => {
    const headerIndex = typeof rest[0] === 'string' ? 1 : 0;
    const headers = withoutCors(rest[headerIndex] as RawHeaders);
    for (const name of raw.getHeaderNames()) {
      if (name.startsWith('access-control-')) raw.removeHeader(name);
    }
    return headerIndex === 1 ? writeHead(status, rest[0], headers) : writeHead(status, headers);
  }) as typeof raw.writeHead;
}

function withoutCors(headers: RawHeaders): Record<string, string | string[] | number> {
  const pairs: [string, string | string[] | number][] = [];
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      pairs.push([String(headers[i]).toLowerCase(), headers[i + 1]!]);
    }
  } else if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) pairs.push([name.toLowerCase(), value]);
    }
  }
  return Object.fromEntries(pairs.filter(([name]) => !name.startsWith('access-control-')));
}
