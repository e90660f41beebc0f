import { sign } from 'cookie-signature';
import { describe, expect, it } from 'vitest';
import { SessionCookie } from './session-cookie.js';

const OLD = 'o'.repeat(32);
const NEW = 'n'.repeat(32);
const header = (value: string, name = 'sid') => `theme=dark; ${name}=${encodeURIComponent(value)}; other=1`;

describe('SessionCookie', () => {
  const cookie = new SessionCookie('sid', [NEW, OLD]);

  it('reads the id of a cookie signed with any of the secrets, again and again', () => {
    for (let i = 0; i < 3; i++) {
      expect(cookie.sessionId(header(`s:${sign('abc', NEW)}`))).toBe('abc');
      expect(cookie.sessionId(header(`s:${sign('def', OLD)}`))).toBe('def');
    }
  });

  it('finds no id without the cookie, without the s: prefix, or with a signature that does not match', () => {
    const good = `s:${sign('abc', NEW)}`;
    expect(cookie.sessionId(header(good))).toBe('abc');
    expect(cookie.sessionId(undefined)).toBeUndefined();
    expect(cookie.sessionId('')).toBeUndefined();
    expect(cookie.sessionId(header(good, 'other-sid'))).toBeUndefined();
    expect(cookie.sessionId(header('abc'))).toBeUndefined();
    expect(cookie.sessionId(header(`s:${sign('abc', 'x'.repeat(32))}`))).toBeUndefined();
    // The remembered value is the whole signed cookie: the same id under another signature is refused.
    expect(cookie.sessionId(header(`${good.slice(0, -2)}AA`))).toBeUndefined();
    expect(cookie.sessionId(header(`s:abd${good.slice(5)}`))).toBeUndefined();
  });
});
