import { type CanActivate, Injectable } from '@nestjs/common';
import { type AuthModuleOptions, InjectAuthOptions, RouteDisabledError } from '../auth/index.js';

/** The password routes exist in password mode only: 404 in email mode, whatever the body. */
@Injectable()
export class PasswordModeGuard implements CanActivate {
  constructor(@InjectAuthOptions() protected readonly options: AuthModuleOptions) {}

  canActivate(): boolean {
    if (this.options.firstFactor !== 'password') throw new RouteDisabledError();
    return true;
  }
}
