import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Client } from '../helpers/browser-like-client.js';

let addressCounter = randomInt(0, 50_000);
/**
 * An address no other test in this process has used (private range: it only ever appears
 * in a header, no packet is sent to it).
 */
export function freshAddress(): string {
  addressCounter++;
  return `10.${Math.floor(addressCounter / 62_500) % 250}.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
}

/** A Client whose requests reach the app through the loopback proxy as `address`. */
export class ProxiedClient extends Client {
  constructor(
    baseUrl: string,
    readonly address = freshAddress(),
  ) {
    super(baseUrl);
  }

  override request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('x-forwarded-for')) headers.set('x-forwarded-for', this.address);
    return super.request(path, { ...init, headers });
  }
}

/** Every route that accepts a method other than GET, HEAD and OPTIONS, as "METHOD /path". */
export function unsafeRoutes(server: FastifyInstance): string[] {
  const found: string[] = [];
  const paths: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = line.match(/^([│ ]*)(?:[├└]── )(\S+) \(([^)]+)\)/);
    if (!match) continue;
    const depth = Math.floor(match[1]!.length / 4);
    const parent = depth === 0 ? '' : paths[depth - 1]!;
    const segment = match[2]!;
    const glue = parent.endsWith('/') || segment.startsWith('/') || !parent ? '' : '/';
    const path = `${parent}${glue}${segment}`;
    paths[depth] = path;
    paths.length = depth + 1;
    for (const method of match[3]!.split(', ')) {
      if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) found.push(`${method} ${path}`);
    }
  }
  return found.sort();
}

/** Collects the app's log output, one parsed JSON object per line. */
export class LogCapture extends Writable {
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.raw.push(chunk.toString('utf8'));
    done();
  }

  text(): string {
    return this.raw.join('');
  }

  lines(): Record<string, unknown>[] {
    return this.text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
export const hasChromium = existsSync(CHROMIUM);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
