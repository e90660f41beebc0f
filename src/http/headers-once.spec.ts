import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { headersOnce } from './headers-once.js';

/** The headers `handler` leaves on a response that had `X-Powered-By`, and whether it called next. */
function run(handler: RequestHandler): { headers: Record<string, unknown>; next: boolean } {
  const headers: Record<string, unknown> = { 'x-powered-by': 'Express' };
  const res = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let next = false;
  void handler(
    { headers: {}, method: 'GET', url: '/' } as Request,
    res as unknown as Response,
    (() => {
      next = true;
    }) as NextFunction,
  );
  return { headers, next };
}

describe('headersOnce', () => {
  it('sets exactly the headers helmet sets, its CSP included, on every response', () => {
    const options = {
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] } },
      strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: true },
      referrerPolicy: { policy: 'same-origin' as const },
    };
    const direct = run(helmet(options));
    const once = headersOnce(helmet(options));
    for (let i = 0; i < 2; i++) {
      const replayed = run(once);
      expect(replayed.next).toBe(true);
      expect(replayed.headers).toEqual(direct.headers);
    }
    expect(direct.headers['content-security-policy']).toBe("default-src 'self';frame-ancestors 'none'");
    expect(direct.headers).not.toHaveProperty('x-powered-by');
  });

  it('refuses a middleware that does not call next at once, or fails', () => {
    const later: RequestHandler = (_req, _res, next) => void setTimeout(next, 1);
    expect(() => headersOnce(later)).toThrow(/not static/);
    const failing: RequestHandler = (_req, _res, next) => next(new Error('boom'));
    expect(() => headersOnce(failing)).toThrow('boom');
  });
});
