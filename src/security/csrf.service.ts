import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { csrfSync } from 'csrf-sync';
import { SessionService } from '../session/index.js';

/** Synchronizer CSRF tokens (csrf-sync), one per session, sent back as the `_csrf` form field. */
@Injectable()
export class CsrfService {
  protected readonly csrf = csrfSync({
    // 16 random bytes: 128 bits, and a compact session record.
    size: 16,
    getTokenFromRequest: (req) => {
      const v: unknown = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
      return typeof v === 'string' ? v : undefined;
    },
    getTokenFromState: (req) => req.session?.csrfToken,
    storeTokenInState: (req, token) => {
      if (!req.session) return;
      req.session.csrfToken = token ?? undefined;
      this.sessions.init(req.session);
    },
  });

  constructor(protected readonly sessions: SessionService) {}

  /** The session's token (made on first use), or undefined when there is no session. */
  token(req: Request): string | undefined {
    return req.session ? this.csrf.generateToken(req) : undefined;
  }

  /** True when the request carries the session's token. */
  isValid(req: Request): boolean {
    return !!req.session?.csrfToken && this.csrf.isRequestValid(req);
  }
}
