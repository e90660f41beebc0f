import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { isRead, JSON_ONLY, wantsJson } from '../http/index.js';
import { SessionService, type SessionUser } from '../session/index.js';
import { UnauthenticatedError } from './auth.errors.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';

/**
 * Lets a request through only for a fully signed-in session: both factors in password mode,
 * the code in email mode. A missing, expired or unreadable session is "signed out", never an
 * error. Reads nothing beyond the session that the session middleware already loaded.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(AUTH_MODULE_OPTIONS) protected readonly options: AuthModuleOptions,
    protected readonly sessions: SessionService,
    protected readonly reflector: Reflector = new Reflector(),
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { jsonOnly?: boolean }>();
    if (this.reflector.get<boolean | undefined>(JSON_ONLY, context.getHandler())) req.jsonOnly = true;
    if (isSignedIn(req.session?.user, this.options)) return true;
    if (req.session && isRead(req) && !wantsJson(req) && isLocalPath(req.originalUrl)) {
      // Remember the page so the sign-in ends there.
      req.session.returnTo = req.originalUrl;
      this.sessions.init(req.session);
    }
    throw new UnauthenticatedError(!!req.session?.pending);
  }
}

/**
 * True for a fully signed-in session: both factors in password mode (aal 2), the code in email
 * mode. A session of a lower level (e.g. signed in before the server moved to password mode) is not.
 */
export function isSignedIn(user: SessionUser | undefined, options: Pick<AuthModuleOptions, 'firstFactor'>): boolean {
  return !!user && user.aal >= (options.firstFactor === 'password' ? 2 : 1);
}

/** A same-site path: one leading slash, no scheme, no backslash tricks. */
export function isLocalPath(p: string): boolean {
  return /^\/(?![/\\])[^\s]*$/.test(p) && p.length <= 512;
}
