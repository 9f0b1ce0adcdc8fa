import { isIPv4, isIPv6 } from 'node:net';

/**
 * Truncates an address before anything stores it: IPv4 to its /24, IPv6 to its /48.
 * Enough to tell a country or provider, not a household.
 */
export function anonymizeIp(address: string | undefined): string {
  if (!address) return '';
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  const ip = mapped ? mapped[1]! : address;
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0`;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 3).join(':')}::`;
  return '';
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
