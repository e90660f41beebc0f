import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type Logger as PinoLogger, stdSerializers } from 'pino';
import { pinoHttp } from 'pino-http';
import { type RequestLog, requestLogger } from './app-logger.js';

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
 * logged at `error`, the others at `info`; below `info` there is no request line, and pino-http is
 * not used at all (the id and `req.log` stay, made on first use).
 * Install it first, before anything that may answer.
 */
export function requestLogging(logger: PinoLogger, options: RequestLoggingOptions): RequestHandler {
  const genReqId = (req: IncomingMessage, res: ServerResponse): string => {
    const given = options.trustRequestId ? req.headers['x-request-id'] : undefined;
    const id = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, id);
    return id;
  };
  if (!logger.isLevelEnabled('info')) {
    // No request line to write: pino-http would still build two child loggers (bindings
    // serialised and redacted) per request. Here the request's logger is made when a line needs it.
    return (req: Request, res: Response, next: NextFunction) => {
      const log = new LazyRequestLog(logger, (req.id = genReqId(req, res)));
      // A later middleware may set its own `req.log` (pino-http does): the setter lets it.
      Object.defineProperty(req, 'log', {
        get: () => log.logger,
        set: (value: unknown) => Object.defineProperty(req, 'log', { value, writable: true, configurable: true }),
        configurable: true,
      });
      requestLogger.run(log, next);
    };
  }
  const http = pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    quietReqLogger: true,
    wrapSerializers: false,
    genReqId,
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
  return (req: Request, res: Response, next: NextFunction) =>
    http(req, res, () => requestLogger.run({ logger: req.log }, next));
}

/** The request's `{reqId}` child logger, made on first use (most requests log nothing). */
class LazyRequestLog implements RequestLog {
  #logger?: PinoLogger;

  constructor(
    private readonly root: PinoLogger,
    private readonly reqId: string,
  ) {}

  get logger(): PinoLogger {
    return (this.#logger ??= this.root.child({ reqId: this.reqId }));
  }
}
