import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import type { Session, SessionData } from 'express-session';
import type { Clock } from '../clock/index.js';
import { StoreUnavailableError } from '../redis/index.js';
import { RedisSessionStore, wasLoaded } from './redis-session.store.js';

type Data = Partial<SessionData>;

/** The session clock of each store (see `SessionPolicy.clock`), found through `req.sessionStore`. */
const STORE_CLOCKS = new WeakMap<object, Clock>();

/** Makes `clock` the time {@link SessionHandle} stamps the sessions of `store` with. */
export function setSessionClock(store: object, clock: Clock): void {
  STORE_CLOCKS.set(store, clock);
}

/**
 * The session of one request, as services see it: its data and the operations on it, without the
 * Express request. Controllers get one with `@CurrentSession()`. Every privilege change goes through
 * {@link rotate}: a new session id, the old record destroyed, so a fixed or leaked id is worthless.
 */
export class SessionHandle {
  private cookies?: Record<string, string | undefined>;

  constructor(
    private readonly req: Request,
    private readonly res?: Response,
  ) {}

  /** A cookie the browser sent (e.g. a remembered-device token), or undefined. */
  cookie(name: string): string | undefined {
    this.cookies ??= parseCookies(this.req.headers.cookie ?? '');
    return this.cookies[name];
  }

  /** Sets (or, with `maxAge: 0`, clears) a cookie on the answer; a no-op without one (e.g. in an interceptor). */
  setCookie(name: string, value: string, options: CookieOptions): void {
    this.res?.cookie(name, value, options);
  }

  /** The session id (never show it: see `SessionService.publicId`); undefined without a session. */
  get id(): string | undefined {
    return this.req.session ? this.req.sessionID : undefined;
  }

  /** The request's `User-Agent` (for a readable device name; never stored whole). */
  get userAgent(): string | undefined {
    return this.req.headers['user-agent'];
  }

  /** The reader's languages, best first (`Accept-Language`), for mails sent on their behalf. */
  get languages(): string[] {
    return this.req.acceptsLanguages();
  }

  /** The client's address, from trusted proxies only (`TRUST_PROXY`). */
  get ip(): string | undefined {
    return this.req.ip;
  }

  /** False when the session store failed for this request (the data is then unavailable). */
  get available(): boolean {
    return !!this.req.session;
  }

  /** The live session data. @throws StoreUnavailableError when the store failed for this request. */
  get data(): Session & Data {
    if (!this.req.session) throw new StoreUnavailableError(this.req.sessionError);
    return this.req.session;
  }

  /** The data when the session could be read, else undefined (never throws). */
  get maybe(): (Session & Data) | undefined {
    return this.req.session ?? undefined;
  }

  /** The session clock's time (epoch ms): the one the idle and absolute limits are checked against. */
  now(): number {
    const store = this.req.sessionStore as object | undefined;
    return (store && STORE_CLOCKS.get(store)?.now()) ?? Date.now();
  }

  /** Marks a session as in use (for the absolute and idle limits) when it first gets data. */
  init(now = this.now()): void {
    const s = this.data;
    s.createdAt ??= now;
    s.seenAt ??= now;
  }

  /** Replaces the session with a new id holding `data` (and nothing else), and saves it before answering. */
  async rotate(data: Data): Promise<void> {
    const session = this.data;
    if (this.req.sessionStore instanceof RedisSessionStore && !wasLoaded(session)) {
      // Never stored (a first visit): nothing to destroy, just a new id.
      this.req.sessionStore.generate(this.req);
    } else {
      await new Promise<void>((resolve, reject) =>
        session.regenerate((err) => (err ? reject(new StoreUnavailableError(err)) : resolve())),
      );
    }
    const now = this.now();
    Object.assign(this.req.session, data, { createdAt: now, seenAt: now });
    await this.save();
  }

  /** Saves now, so a store failure becomes a 503 instead of a lost write after the answer. */
  async save(): Promise<void> {
    const session = this.data;
    await new Promise<void>((resolve, reject) =>
      session.save((err) => (err ? reject(new StoreUnavailableError(err)) : resolve())),
    );
  }
}

/** The request's {@link SessionHandle}, for a controller to hand to its services. */
export const CurrentSession = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): SessionHandle =>
    new SessionHandle(ctx.switchToHttp().getRequest<Request>(), ctx.switchToHttp().getResponse<Response>()),
);
