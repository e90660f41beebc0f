import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { UnsupportedMediaTypeError } from '../http/index.js';
import { StoreUnavailableError } from '../redis/index.js';
import { CsrfService } from './csrf.service.js';
import { ForbiddenRequestError } from './security.errors.js';
import { SECURITY_MODULE_OPTIONS, type SecurityModuleOptions } from './security.module-definition.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for every state-changing request, in this order:
 * 1. cross-site: an `Origin` other than the app's, or `Sec-Fetch-Site: cross-site` -> 403;
 * 2. a body must be JSON (which a cross-site form cannot send) or a URL-encoded form -> else 415;
 * 3. a form must carry its `_csrf` token, the one in its CSRF cookie, bound to the session if any
 *    (see {@link CsrfService}) -> else 403 (503 when the session store is down).
 * Also marks every dynamic answer `Cache-Control: no-store`.
 */
@Injectable()
export class RequestProtectionMiddleware implements NestMiddleware {
  constructor(
    protected readonly csrf: CsrfService,
    @Inject(SECURITY_MODULE_OPTIONS) protected readonly options: SecurityModuleOptions,
  ) {}

  use(req: Request, res: Response, next: NextFunction) {
    res.setHeader('Cache-Control', 'no-store');
    if (SAFE_METHODS.has(req.method)) return next();

    if (req.headers['sec-fetch-site'] === 'cross-site' || !this.isSameOrigin(req)) {
      throw new ForbiddenRequestError('cross_site_request', 'Cross-site requests are not allowed');
    }
    // JSON cannot be sent cross-site without a CORS preflight; a POST with neither body nor content type
    // is no form (and a browser always sends Origin with it, checked above). A form needs its token even
    // when empty: a forged sign-out or resend has no fields. (`req.is` ignores the type of an empty body.)
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const bodyless = type === '' && !this.hasBody(req);
    if (type !== 'application/json' && !bodyless && type !== 'application/x-www-form-urlencoded') {
      throw new UnsupportedMediaTypeError();
    }
    // Every state change needs the session: fail now rather than after more store calls time out.
    if (!req.session && req.sessionError) throw new StoreUnavailableError(req.sessionError);
    if (type === 'application/json' || bodyless) return next();
    if (!this.csrf.isValid(req)) {
      throw new ForbiddenRequestError('csrf_invalid', 'The form has expired; reload the page and try again');
    }
    if (req.body && typeof req.body === 'object') delete (req.body as Record<string, unknown>)._csrf;
    next();
  }

  /**
   * A missing Origin is a non-browser client (or an old browser); `null` or another origin is not us.
   * Only APP_URL's origin counts: trusting the request's own Host would let a DNS-rebinding page post.
   */
  protected isSameOrigin(req: Request): boolean {
    const origin = req.headers.origin;
    return origin === undefined || origin === this.options.appOrigin;
  }

  protected hasBody(req: Request): boolean {
    return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  }
}
