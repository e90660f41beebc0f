import { isIPv4, isIPv6 } from 'node:net';
import Bowser from 'bowser';

/** What a sign-in records about the browser that made it: readable, never the full user agent or address. */
export interface ClientInfo {
  /** e.g. `Firefox on Linux`; `Unknown browser` when the user agent says nothing usable. */
  device: string;
  /** The client address's network: an IPv4 /24 (`203.0.113.0/24`) or an IPv6 /48; `unknown` without one. */
  ip: string;
}

/** A readable device name from a `User-Agent` header (bowser, MIT): `<browser> on <OS>`. */
export function deviceName(userAgent: string | undefined): string {
  if (!userAgent) return 'Unknown browser';
  const { browser, os } = Bowser.parse(userAgent.slice(0, 512));
  const name = browser.name || 'Unknown browser';
  return os.name ? `${name} on ${os.name}` : name;
}

/** The network of an address, as shown to its owner: enough to recognise a place, not a house. */
export function ipPrefix(ip: string | undefined): string {
  const addr = ip?.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (addr && isIPv4(addr)) return `${addr.split('.').slice(0, 3).join('.')}.0/24`;
  if (addr && isIPv6(addr)) {
    const [head] = addr.split('::');
    const groups = head.split(':').filter(Boolean);
    return `${[...groups, '0', '0', '0'].slice(0, 3).join(':')}::/48`;
  }
  return 'unknown';
}

/** {@link ClientInfo} of a request's `User-Agent` and address (`req.ip`, trusted proxies only). */
export function clientInfo(userAgent: string | undefined, ip: string | undefined): ClientInfo {
  return { device: deviceName(userAgent), ip: ipPrefix(ip) };
}
