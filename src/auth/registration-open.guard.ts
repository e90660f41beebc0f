import { type CanActivate, Inject, Injectable } from '@nestjs/common';
import { RouteDisabledError, SignupClosedError } from './auth.errors.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';

/**
 * Guards `/register`: 403 `signup_closed` with AUTH_SIGNUP=closed, whatever the body (a guard runs
 * before validation), and 404 in email mode, where the first verified sign-in is the sign-up.
 */
@Injectable()
export class RegistrationOpenGuard implements CanActivate {
  constructor(@Inject(AUTH_MODULE_OPTIONS) protected readonly options: AuthModuleOptions) {}

  canActivate(): boolean {
    if (this.options.signup === 'closed') throw new SignupClosedError();
    if (this.options.firstFactor !== 'password') throw new RouteDisabledError();
    return true;
  }
}
