import { describe, expect, it } from 'vitest';
import { deviceName, ipPrefix } from './client-info.js';

describe('client info', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'Chrome on Windows',
    ],
    [undefined, 'Unknown browser'],
    ['', 'Unknown browser'],
  ])('names %j as %j', (ua, name) => {
    expect(deviceName(ua)).toBe(name);
  });

  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['::ffff:198.51.100.4', '198.51.100.0/24'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
    [undefined, 'unknown'],
    ['not an address', 'unknown'],
  ])('shows %j as the network %j', (ip, prefix) => {
    expect(ipPrefix(ip)).toBe(prefix);
  });
});
