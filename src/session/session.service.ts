import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { SessionData, Store } from 'express-session';
import { StoreUnavailableError } from '../redis/index.js';
import { SessionHandle } from './session-handle.js';
import { SessionIndex } from './session-index.js';
import { SESSION_MODULE_OPTIONS, type SessionModuleOptions } from './session.module-definition.js';
import { SESSION_POLICY, SESSION_STORE, type SessionPolicy } from './session.providers.js';

/** A live session of an owner, as `SessionService.listOwned` finds it. */
export interface OwnedSession {
  /** The session id: never show it; use {@link publicId}. */
  sid: string;
  /** A stable public name of the session (HMAC of its id): safe to show and to pass back. */
  publicId: string;
  data: SessionData;
}

/**
 * The session operations beyond one request's handle: a request's {@link SessionHandle}, sign-out
 * (which clears the cookie), and an owner's sessions (list, end), which every instance sees at once
 * since they live in the shared store.
 */
@Injectable()
export class SessionService {
  constructor(
    @Inject(SESSION_POLICY) protected readonly policy: SessionPolicy,
    @Inject(SESSION_STORE) protected readonly store: Store,
    protected readonly index: SessionIndex,
    @Inject(SESSION_MODULE_OPTIONS) protected readonly options: SessionModuleOptions,
  ) {}

  /** A public name for a session id: the same for every instance, and it reveals nothing of the id. */
  publicId(sid: string): string {
    return createHmac('sha256', this.options.secrets[0]).update(`sid|${sid}`).digest('base64url').slice(0, 22);
  }

  /**
   * The live sessions of `owner` (see `SessionFields.setOwner`). Ids whose record is gone (expired,
   * signed out, ended) leave the index here.
   * @throws StoreUnavailableError
   */
  async listOwned(owner: string): Promise<OwnedSession[]> {
    const sids = await this.index.list(owner, this.policy.clock.now());
    const records = await Promise.all(sids.map((sid) => this.read(sid)));
    const gone = sids.filter((_, i) => !records[i]);
    if (gone.length) await this.index.remove(owner, gone);
    return sids.flatMap((sid, i) => (records[i] ? [{ sid, publicId: this.publicId(sid), data: records[i] }] : []));
  }

  /**
   * Ends sessions of `owner`: their records are deleted, so each is signed out at its very next
   * request, on every instance. @returns how many were ended.
   */
  async endOwned(owner: string, sids: string[]): Promise<number> {
    await Promise.all(
      sids.map(
        (sid) =>
          new Promise<void>((resolve, reject) =>
            this.store.destroy(sid, (err?: unknown) => (err ? reject(new StoreUnavailableError(err)) : resolve())),
          ),
      ),
    );
    await this.index.remove(owner, sids);
    return sids.length;
  }

  protected read(sid: string): Promise<SessionData | null> {
    return new Promise((resolve, reject) =>
      this.store.get(sid, (err: unknown, data?: SessionData | null) =>
        err ? reject(new StoreUnavailableError(err)) : resolve(data ?? null),
      ),
    );
  }

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
