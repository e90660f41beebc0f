import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SESSION_HANDLER, SESSION_POLICY, type SessionPolicy } from './session.providers.js';

/**
 * express-session, made safe for outages: when the store fails the request goes on without a
 * session (`req.sessionError` is set) instead of failing, so guards see "signed out" and the
 * routes that need the store answer 503. Then enforces the idle and absolute limits, and
 * refreshes the idle deadline only when it is due.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Session');

  constructor(
    @Inject(SESSION_HANDLER) private readonly handler: RequestHandler,
    @Inject(SESSION_POLICY) private readonly policy: SessionPolicy,
  ) {}

  use(req: Request, res: Response, next: NextFunction) {
    let called = false;
    void this.handler(req, res, (err?: unknown) => {
      if (called) {
        // express-session reports a failed save after the answer went out: log, nothing else to do.
        if (err) this.logger.warn(`Session store failed after the response: ${(err as Error).message}`);
        return;
      }
      called = true;
      if (err) {
        req.sessionError = err;
        return next();
      }
      this.applyPolicy(req, next);
    });
  }

  private applyPolicy(req: Request, next: NextFunction) {
    const s = req.session;
    if (!s?.createdAt) return next();
    const now = Date.now();
    const expired = now - s.createdAt > this.policy.absoluteMs || now - (s.seenAt ?? s.createdAt) > this.policy.idleMs;
    if (expired) {
      s.regenerate((err) => {
        if (err) req.sessionError = err;
        next();
      });
      return;
    }
    if (now - (s.seenAt ?? 0) >= this.policy.touchAfterMs) s.seenAt = now;
    next();
  }
}
