import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session, { type SessionData, type Store } from 'express-session';
import { isUpgraded, LeanSession, upgrade } from './lean-session.js';
import { RedisSessionStore, type StoredSession } from './redis-session.store.js';
import { SessionCookie } from './session-cookie.js';
import { SESSION_MODULE_OPTIONS, type SessionModuleOptions } from './session.module-definition.js';
import { SESSION_HANDLER, SESSION_POLICY, SESSION_STORE, type SessionPolicy } from './session.providers.js';

/**
 * Loads the request's session, cheaply when it only reads it, and keeps going without one when
 * the store fails (`req.sessionError` is set: guards see "signed out", the routes that need the
 * store answer 503). Enforces the idle and absolute limits and refreshes the idle deadline when due
 * (at most once per `touchAfterSeconds`; the record's TTL never passes the absolute end).
 *
 * With the Redis store, a request with a valid session cookie is read without express-session: the
 * signature is checked once per cookie value (then remembered), the record is one `GET` and one
 * `JSON.parse`, and `req.session` is express-session's own `Session` of that data. express-session
 * takes the request over only when something writes: a `save`, `regenerate` or `reload` call, or
 * data that differs from the record when the answer ends (the idle refresh included); it is then
 * handed the record already read, so writing costs no second `GET`. A request without a session,
 * or whose record is gone, broken or expired, goes through express-session from the start, as
 * every request does with another store.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Session');
  protected readonly cookie: SessionCookie;
  protected readonly lean?: RedisSessionStore;

  constructor(
    @Inject(SESSION_HANDLER) protected readonly handler: RequestHandler,
    @Inject(SESSION_POLICY) protected readonly policy: SessionPolicy,
    @Inject(SESSION_STORE) protected readonly store: Store,
    @Inject(SESSION_MODULE_OPTIONS) options: SessionModuleOptions,
  ) {
    this.cookie = new SessionCookie(policy.cookieName, options.secrets);
    if (store instanceof RedisSessionStore) this.lean = store;
  }

  use(req: Request, res: Response, next: NextFunction) {
    const store = this.lean;
    const sid = store && this.cookie.sessionId(req.headers.cookie);
    if (!store || sid === undefined) return this.viaExpressSession(req, res, next);
    store.readRecord(sid).then(
      (stored) => this.open(store, sid, stored, req, res, next),
      (err: unknown) => {
        req.sessionStore = store;
        req.sessionID = sid;
        req.sessionError = err;
        next();
      },
    );
  }

  /** A live record becomes `req.session`; anything else is "no session", through express-session. */
  protected open(
    store: RedisSessionStore,
    sid: string,
    stored: StoredSession | null,
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    const now = this.policy.clock.now();
    if (stored && this.expired(stored.data, now)) {
      void store.destroy(sid, (err?: unknown) => {
        if (err) {
          req.sessionError = err;
          return next();
        }
        this.withoutRecord(store, sid, req, res, next);
      });
      return;
    }
    if (!stored) return this.withoutRecord(store, sid, req, res, next);

    req.sessionStore = store;
    req.sessionID = sid;
    const data = stored.data;
    data.cookie = new session.Cookie();
    const lean = new LeanSession(req, data, () => this.upgrade(store, sid, stored.text, req, res));
    req.session = lean;
    if (now - (data.seenAt ?? 0) >= this.policy.touchAfterMs) req.session.seenAt = now;

    // At the end of the answer, a change (the idle refresh, data set by a handler, an id replaced
    // through the store) is saved by express-session before the answer goes out; a request that
    // only read just ends.
    const end = res.end;
    res.end = ((...args: Parameters<Response['end']>) => {
      res.end = end;
      const current = req.session as LeanSession | undefined;
      if (
        current &&
        !isUpgraded(lean) &&
        (current !== lean || req.sessionID !== sid || store.serialize(lean) !== stored.text)
      ) {
        upgrade(lean);
      }
      return res.end(...args);
    }) as Response['end'];
    next();
  }

  /**
   * Runs express-session for this request now, handing it the record read at the start (so it
   * reads nothing) and the session the request holds (so every reference stays valid): it then
   * compares the data with that record and saves it, and sets the cookie of a new id, as it does
   * for any request.
   */
  protected upgrade(store: RedisSessionStore, sid: string, text: string, req: Request, res: Response): void {
    const live = req.session;
    const liveId = req.sessionID;
    const original = store.parse(text);
    // express-session leaves a request that already has a session alone.
    delete (req as Partial<Request>).session;
    store.prime(sid, original, live);
    try {
      // express-session calls back at once (the read is primed), and again only if its save at
      // the end fails, after the answer went out.
      this.handler(req, res, (err?: unknown) => {
        if (err) this.logger.warn(`Session store failed after the response: ${(err as Error).message}`);
      });
    } finally {
      store.unprime();
    }
    req.sessionID = liveId;
    if (req.session !== live) {
      // express-session skipped the request (it only does when its store reports a disconnect).
      this.logger.warn('express-session did not take over a session: its changes are not saved');
      req.session = live;
    }
  }

  /** No usable record for the cookie's id: express-session starts a new session, reading nothing. */
  protected withoutRecord(store: RedisSessionStore, sid: string, req: Request, res: Response, next: NextFunction) {
    store.prime(sid, null);
    try {
      this.viaExpressSession(req, res, next);
    } finally {
      store.unprime();
    }
  }

  protected expired(s: Partial<SessionData>, now: number): boolean {
    const createdAt = s.createdAt ?? 0;
    return now - createdAt > this.policy.absoluteMs || now - (s.seenAt ?? createdAt) > this.policy.idleMs;
  }

  /**
   * express-session for the whole request (other stores, new sessions), made safe for outages:
   * when the store fails the request goes on without a session (`req.sessionError` is set).
   */
  protected viaExpressSession(req: Request, res: Response, next: NextFunction) {
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
    const now = this.policy.clock.now();
    if (this.expired(s, now)) {
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
