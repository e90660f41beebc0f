import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { StoreUnavailableError } from '../redis/index.js';
import { SessionHandle } from './session-handle.js';
import { SESSION_POLICY, type SessionPolicy } from './session.providers.js';

/**
 * The session operations that need the HTTP exchange itself: a request's {@link SessionHandle},
 * and sign-out (which clears the cookie).
 */
@Injectable()
export class SessionService {
  constructor(@Inject(SESSION_POLICY) protected readonly policy: SessionPolicy) {}

  /** The request's session, for services. */
  of(req: Request): SessionHandle {
    return new SessionHandle(req);
  }

  /** Deletes the record and clears the cookie. @throws StoreUnavailableError when the store failed. */
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
