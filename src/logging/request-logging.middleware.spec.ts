import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppLogger, createPinoLogger } from './app-logger.js';
import { REQUEST_ID_HEADER, requestLogging } from './request-logging.middleware.js';

function setUp() {
  const lines: string[] = [];
  const pino = createPinoLogger({
    level: 'warn',
    format: 'json',
    destination: { write: (l: string) => void lines.push(l) },
  });
  Logger.overrideLogger(new AppLogger(pino));
  const child = vi.spyOn(pino, 'child');
  const middleware = requestLogging(pino, { trustRequestId: false });
  const handle = (inside: (req: Request) => void) => {
    const headers: Record<string, unknown> = {};
    const req = { headers: {}, method: 'GET', url: '/x', originalUrl: '/x' } as unknown as Request;
    const res = {
      setHeader: (n: string, v: unknown) => void (headers[n] = v),
    } as unknown as Response;
    middleware(req, res, (() => inside(req)) as NextFunction);
    return { req, headers };
  };
  return { lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), child, handle };
}

describe('requestLogging below info (no request line)', () => {
  afterEach(() => Logger.overrideLogger(false));

  it('makes no child logger for a request that logs nothing, and still sends its id', () => {
    const { child, handle } = setUp();
    const { req, headers } = handle(() => new Logger('Auth').log('below the level'));
    expect(child).not.toHaveBeenCalled();
    expect(headers[REQUEST_ID_HEADER]).toMatch(/^[0-9a-f-]{36}$/);
    expect(req.id).toBe(headers[REQUEST_ID_HEADER]);
  });

  it('makes it once, on the first line written, with the request id on every line', () => {
    const { child, handle, lines } = setUp();
    const { headers } = handle((req) => {
      new Logger('Auth').warn('first');
      new Logger('Auth').error('second');
      req.log.warn('through req.log');
    });
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines().map((l) => [l.msg, l.reqId])).toEqual([
      ['first', headers[REQUEST_ID_HEADER]],
      ['second', headers[REQUEST_ID_HEADER]],
      ['through req.log', headers[REQUEST_ID_HEADER]],
    ]);
  });

  it('lets a later middleware set its own req.log', () => {
    const { handle } = setUp();
    const own = { warn: vi.fn() };
    handle((req) => {
      (req as unknown as { log: unknown }).log = own;
      req.log.warn('through the replacement');
    });
    expect(own.warn).toHaveBeenCalledWith('through the replacement');
  });
});
