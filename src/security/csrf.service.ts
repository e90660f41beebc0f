import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';
import { SessionService } from '../session/index.js';
import { SECURITY_MODULE_OPTIONS, type SecurityModuleOptions } from './security.module-definition.js';

/**
 * Synchronizer CSRF tokens (csrf-sync), sent back as the `_csrf` form field. The token is
 * HMAC(secret, session id) rather than a random value kept in the session: it is just as bound
 * to the session (a new id, a new token), costs no Redis write, and keeps the record small.
 */
@Injectable()
export class CsrfService {
  protected readonly csrf = csrfSync({
    getTokenFromRequest: (req) => {
      const v: unknown = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
      return typeof v === 'string' ? v : undefined;
    },
    getTokenFromState: (req) => (req.session ? this.derive(req.sessionID) : undefined),
    // Derived, never stored.
    storeTokenInState: () => undefined,
  });

  constructor(
    protected readonly sessions: SessionService,
    @Inject(SECURITY_MODULE_OPTIONS) protected readonly options: SecurityModuleOptions,
  ) {}

  /** The session's token, or undefined when there is no session. Keeps a new session (its cookie). */
  token(req: Request): string | undefined {
    if (!req.session) return undefined;
    // A form is only useful if its session comes back: make sure a new session is saved.
    this.sessions.of(req).init();
    return this.csrf.generateToken(req);
  }

  /** True when the request carries its session's token. */
  isValid(req: Request): boolean {
    return !!req.session && this.csrf.isRequestValid(req);
  }

  protected derive(sessionId: string): string {
    return createHmac('sha256', this.options.csrfSecret).update(`csrf|${sessionId}`).digest('base64url').slice(0, 32);
  }
}
