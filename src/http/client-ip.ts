import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * The address of the person behind a request. `request.ip` already follows X-Forwarded-For
 * through the proxies in TRUSTED_PROXIES only (Fastify's trustProxy, never `true`).
 * CF-Connecting-IP, which Cloudflare sets, is believed only when the request comes straight
 * from one of those proxies: from anyone else it is a header they typed themselves.
 */
export function clientAddress(request: FastifyRequest): string {
  const header = request.headers['cf-connecting-ip'];
  const claimed = typeof header === 'string' ? header.trim() : '';
  if (claimed && isIP(claimed) && request.server.isTrustedProxy(peerAddress(request))) {
    return unmapped(claimed);
  }
  // Once a client has hung up, its socket no longer knows the address: Fastify gives none.
  return unmapped(request.ip ?? '');
}

/** The address of whoever opened the connection: the proxy, when there is one. */
function peerAddress(request: FastifyRequest): string {
  return unmapped(request.raw.socket?.remoteAddress ?? '');
}

export function trustedProxyCheck(ranges: string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', bits] = range.split('/');
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const family = isIPv6(address) ? 'ipv6' : isIPv4(address) ? 'ipv4' : null;
    return family !== null && list.check(address, family);
  };
}

/**
 * What rate limits count by: an IPv4 address, or an IPv6 address's /64, since one
 * subscriber is usually handed a whole /64 and could otherwise rotate through it.
 */
export function rateLimitKey(address: string): string {
  const ip = unmapped(address);
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

/**
 * Truncates an address before anything stores it: IPv4 to its /24, IPv6 to its /48.
 * Enough to tell a country or provider, not a household.
 */
export function anonymizeIp(address: string | undefined): string {
  if (!address) return '';
  const ip = unmapped(address);
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0`;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 3).join(':')}::`;
  return '';
}

/** `::ffff:192.0.2.1` is an IPv4 client on a dual-stack socket. */
function unmapped(address: string): string {
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  return mapped ? mapped[1]! : address;
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = ip.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...Array(missing).fill('0'), ...right].map((group) =>
    group.replace(/^0+(?=.)/, '').toLowerCase(),
  );
}
