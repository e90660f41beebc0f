import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type Logger as PinoLogger, stdSerializers } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestLogger } from './app-logger.js';

/** What {@link requestLogging} takes. */
export interface RequestLoggingOptions {
  /**
   * Take the request id from a well-formed `X-Request-Id` (1 to 128 of `A-Z a-z 0-9 _ . : = + / -`),
   * as a trusted proxy in front sets it; else (and always when false) make one.
   */
  trustRequestId: boolean;
}

/** Response header that carries the request's id. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

const SANE_ID = /^[\w.:=+/-]{1,128}$/;

/** The path asked for: never the query string (sign-in and "this wasn't me" links carry tokens there). */
const pathOf = (req: IncomingMessage) => ((req as Request).originalUrl ?? req.url ?? '/').split('?', 1)[0];

/**
 * Request logging (pino-http): each request gets an id (see {@link RequestLoggingOptions}), echoed
 * in the `X-Request-Id` response header; every line logged while it is handled carries it as
 * `reqId` (through {@link requestLogger}, also for `new Logger(...)`); one line when it is
 * answered: method, path (no query string), client address, status, time taken. 5xx answers are
 * logged at `error`, the others at `info`; below `info` there is no request line (nor its cost).
 * Install it first, before anything that may answer.
 */
export function requestLogging(logger: PinoLogger, options: RequestLoggingOptions): RequestHandler {
  const http = pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    // Below `info` (LOG_LEVEL=warn) no request line is written: do not wait for the answer at all.
    autoLogging: logger.isLevelEnabled('info'),
    quietReqLogger: true,
    wrapSerializers: false,
    genReqId: (req, res) => {
      const given = options.trustRequestId ? req.headers['x-request-id'] : undefined;
      const id = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    serializers: {
      req: (req: Request) => ({ method: req.method, url: pathOf(req), remoteAddress: req.ip }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: stdSerializers.err,
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res, ms) => `${req.method} ${pathOf(req)} ${res.statusCode} ${ms}ms`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    // A 5xx answer is no exception of its own (the app's filter logs the cause): no made-up `err`.
    customErrorObject: (_req, _res, err, value: Record<string, unknown>) =>
      err.message.startsWith('failed with status code') ? { ...value, err: undefined } : value,
  });
  return (req: Request, res: Response, next: NextFunction) => http(req, res, () => requestLogger.run(req.log, next));
}
