import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Clock } from '../clock/index.js';
import { IS_PUBLIC, isRead, JSON_ONLY, wantsJson } from '../http/index.js';
import { SessionService } from '../session/index.js';
import { StepUpRequiredError, UnauthenticatedError } from './auth.errors.js';
import { DEFAULT_AAL2_FACTORS, InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import type { SessionUser } from './auth-session.js';
import { FactorRegistry } from './factors/index.js';
import { FRESH_AUTH, REQUIRE_AAL } from './step-up.decorators.js';

/**
 * Lets a request through only for a signed-in session (see {@link isSignedIn}), and, on routes
 * marked `@RequireAal(n)` or `@FreshAuth(s)`, only for one at that level or that recent. A missing,
 * expired or unreadable session is "signed out", never an error. Use it per controller
 * (`@UseGuards(AuthGuard)`) or app-wide (`{ provide: APP_GUARD, useClass: AuthGuard }`) with
 * `@Public()` on the open routes.
 * @throws UnauthenticatedError (401 / a redirect to sign in), StepUpRequiredError (401 / `/step-up`)
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
    protected readonly sessions: SessionService,
    protected readonly factors: FactorRegistry,
    protected readonly clock: Clock,
    protected readonly reflector: Reflector = new Reflector(),
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { jsonOnly?: boolean }>();
    if (this.reflector.getAllAndOverride<boolean | undefined>(JSON_ONLY, targets)) req.jsonOnly = true;
    const user = req.session?.user;
    if (!isSignedIn(user, this.options)) {
      this.rememberPage(req);
      throw new UnauthenticatedError(!!req.session?.pending);
    }
    const aal = this.reflector.getAllAndOverride<number | undefined>(REQUIRE_AAL, targets);
    const maxAge = this.reflector.getAllAndOverride<number | undefined>(FRESH_AUTH, targets);
    const tooLow = aal !== undefined && user.aal < aal;
    if (tooLow || (maxAge !== undefined && !this.isFresh(user, maxAge))) {
      this.rememberPage(req);
      throw new StepUpRequiredError(await this.stepUpFactors(user, tooLow));
    }
    return true;
  }

  /**
   * A fresh second factor: signed in (or stepped up) within `maxAgeSeconds`, by a sign-in that
   * passed the second factor. A remembered browser's sign-in is recent but skipped it.
   */
  protected isFresh(user: SessionUser, maxAgeSeconds: number): boolean {
    return !user.remembered && this.clock.now() - user.authTime <= maxAgeSeconds * 1000;
  }

  /**
   * What a step-up would ask for: the account's second factors, else an emailed code. When the
   * level is too low, an emailed code helps only if it counts toward AAL2 and the session has not
   * passed one already; otherwise none is offered, and the person must add a factor first rather
   * than loop through step-ups that cannot raise the level.
   */
  protected async stepUpFactors(user: SessionUser, levelTooLow: boolean): Promise<string[]> {
    const enrolled = await this.factors.enrolled(user.email);
    if (enrolled.length) return enrolled;
    if (!levelTooLow) return ['email_otp'];
    const emailCounts = (this.options.aal2Factors ?? DEFAULT_AAL2_FACTORS).includes('email_otp');
    return emailCounts && !user.factors.includes('email_otp') ? ['email_otp'] : [];
  }

  /**
   * A page asked for while signed out (or not signed in enough) is where the sign-in ends; for a
   * form post, the page that held the form (its same-site `Referer`).
   */
  protected rememberPage(req: Request): void {
    if (!req.session || wantsJson(req)) return;
    let target: string | undefined;
    if (isRead(req)) target = req.originalUrl;
    else if (req.method === 'POST' && req.headers.referer && URL.canParse(req.headers.referer)) {
      const from = new URL(req.headers.referer);
      target = `${from.pathname}${from.search}`;
    }
    if (target && isLocalPath(target)) {
      req.session.returnTo = target;
      this.sessions.of(req).init();
    }
  }
}

/**
 * True for a fully signed-in session: in password mode one that passed the password (or reached
 * AAL2 without it, e.g. with a passkey); in email mode any signed-in session. A session of a lower
 * level (signed in by code alone before the server moved to password mode) is not.
 */
export function isSignedIn(
  user: SessionUser | undefined,
  options: Pick<AuthModuleOptions, 'firstFactor'>,
): user is SessionUser {
  if (!user) return false;
  return options.firstFactor !== 'password' || user.factors.includes('pwd') || user.aal >= 2;
}

/** A same-site path: one leading slash, no scheme, no backslash tricks. */
export function isLocalPath(p: string): boolean {
  return /^\/(?![/\\])[^\s]*$/.test(p) && p.length <= 512;
}
