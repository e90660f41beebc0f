import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Session, SessionData } from 'express-session';
import { StoreUnavailableError } from '../redis/index.js';
import { RedisSessionStore, wasLoaded } from './redis-session.store.js';
import { SESSION_POLICY, type SessionPolicy } from './session.providers.js';

type Data = Partial<SessionData>;

/**
 * Promise-based session operations. Every privilege change goes through {@link rotate}:
 * a new session id, the old record destroyed, so a fixed or leaked id is worthless.
 */
@Injectable()
export class SessionService {
  constructor(@Inject(SESSION_POLICY) protected readonly policy: SessionPolicy) {}

  /** The live session. @throws StoreUnavailableError when the store failed for this request. */
  require(req: Request): Session & Data {
    if (!req.session) throw new StoreUnavailableError(req.sessionError);
    return req.session;
  }

  /** Marks a session as in use (for the absolute and idle limits) when it first gets data. */
  init(session: Session & Data, now = Date.now()) {
    session.createdAt ??= now;
    session.seenAt ??= now;
  }

  /** Replaces the session with a new id holding `data`, and saves it before answering. */
  async rotate(req: Request, data: Data): Promise<void> {
    const session = this.require(req);
    if (req.sessionStore instanceof RedisSessionStore && !wasLoaded(session)) {
      // Never stored (a first visit): nothing to destroy, just a new id.
      req.sessionStore.generate(req);
    } else {
      await new Promise<void>((resolve, reject) =>
        session.regenerate((err) => (err ? reject(new StoreUnavailableError(err)) : resolve())),
      );
    }
    const now = Date.now();
    Object.assign(req.session, data, { createdAt: now, seenAt: now });
    await this.save(req);
  }

  /** Saves now, so a store failure becomes a 503 instead of a lost write after the answer. */
  async save(req: Request): Promise<void> {
    const session = this.require(req);
    await new Promise<void>((resolve, reject) =>
      session.save((err) => (err ? reject(new StoreUnavailableError(err)) : resolve())),
    );
  }

  /** Deletes the record and clears the cookie. */
  async destroy(req: Request, res: Response): Promise<void> {
    res.clearCookie(this.policy.cookieName, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.policy.secure,
    });
    if (!req.session) {
      if (req.sessionError) throw new StoreUnavailableError(req.sessionError);
      return;
    }
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((err) => (err ? reject(new StoreUnavailableError(err)) : resolve())),
    );
  }

  /** Name of the session cookie (`__Host-sid` on https, else `sid`). */
  get cookieName(): string {
    return this.policy.cookieName;
  }
}
