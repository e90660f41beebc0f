import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import { doubleCsrf, type DoubleCsrfUtilities } from 'csrf-csrf';
import type { CookieOptions, Request, Response } from 'express';
import { isInUse } from '../session/index.js';
import { SECURITY_MODULE_OPTIONS, type SecurityModuleOptions } from './security.module-definition.js';

/** Stands in for the answer when csrf-csrf sets its cookie: {@link CsrfService.token} sets it only when it changes. */
const NO_COOKIE = { cookie: () => undefined } as unknown as Response;

/**
 * Signed double-submit CSRF tokens (csrf-csrf): a token is a random value and its HMAC, kept in an
 * HttpOnly, SameSite=Lax cookie (`__Host-csrf` with secure cookies, else `csrf`) and sent back in the
 * form's `_csrf` field (or the `x-csrf-token` header); a post passes when both are the same and the
 * HMAC checks. The HMAC covers the session id of a visitor with a session, so the token stops working
 * when the id changes (every step of signing in, sign-out) and no other visitor's token fits; a visitor
 * without a session gets a token of its own random value only. Nothing is stored: showing a form to a
 * new visitor writes nothing to Redis, and the session starts at the first post that needs one.
 */
@Injectable()
export class CsrfService {
  /** Name of the cookie: `__Host-csrf` with secure cookies, else `csrf`. */
  readonly cookieName: string;
  protected readonly cookieOptions: CookieOptions;
  protected readonly csrf: DoubleCsrfUtilities;

  constructor(@Inject(SECURITY_MODULE_OPTIONS) protected readonly options: SecurityModuleOptions) {
    const secure = options.secure ?? options.appOrigin.startsWith('https:');
    // `__Host-` binds the cookie to this exact host, path / and https: no sibling domain can plant one.
    this.cookieName = secure ? '__Host-csrf' : 'csrf';
    // No maxAge: a browser-session cookie, like the session's.
    this.cookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/' };
    // Its own key, derived: the session signing secret itself never signs anything else.
    const key = createHmac('sha256', options.csrfSecret).update('csrf-token').digest('base64url');
    this.csrf = doubleCsrf({
      getSecret: () => key,
      getSessionIdentifier: (req) => this.binding(req),
      cookieName: this.cookieName,
      cookieOptions: this.cookieOptions,
      getCsrfTokenFromRequest: (req) => {
        const v: unknown = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
        return typeof v === 'string' ? v : undefined;
      },
    });
  }

  /**
   * The token for the forms of the page answering `req` (a string of hex digits and a dot). The
   * cookie's token while it fits the request's session, else a new one, whose cookie goes with the
   * answer. With secure cookies over plain http no cookie is set (as for the session), so such a
   * form cannot be posted.
   */
  token(req: Request): string {
    const current = this.cookies(req)[this.cookieName];
    const token = this.csrf.generateCsrfToken(req, NO_COOKIE);
    if (token !== current && (req.secure || !this.cookieOptions.secure)) {
      req.res?.cookie(this.cookieName, token, this.cookieOptions);
    }
    return token;
  }

  /** True when the request carries its cookie's token and that token fits the request's session. */
  isValid(req: Request): boolean {
    this.cookies(req);
    return this.csrf.validateRequest(req);
  }

  /**
   * What a token is bound to: the id of a session in use (one with a record: it has `createdAt`),
   * else nothing more than the token's own random value.
   */
  protected binding(req: Request): string {
    return isInUse(req.session) ? `sid:${req.sessionID}` : 'no-session';
  }

  /** The request's cookies, parsed once into `req.cookies` (where csrf-csrf reads them) unless already there. */
  protected cookies(req: Request): Record<string, string | undefined> {
    req.cookies ??= parseCookies(req.headers.cookie ?? '');
    return req.cookies as Record<string, string | undefined>;
  }
}
