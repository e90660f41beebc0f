import { Controller, Get } from '@nestjs/common';
import { type AuthModuleOptions, InjectAuthOptions, Public } from 'nest-mfa-signin';

/** The host's open routes: `@Public()` lets them past the global `AuthGuard`. */
@Controller()
@Public()
export class StatusController {
  constructor(@InjectAuthOptions() private readonly auth: AuthModuleOptions) {}

  /** `GET /status`: up, and how people sign in (read from `AuthModule`'s own options). */
  @Get('status')
  status() {
    return { status: 'ok', signIn: this.auth.firstFactor, signup: this.auth.signup };
  }

  /** `GET /pricing`: a page anyone may read. */
  @Get('pricing')
  pricing() {
    return { plans: ['free', 'team'] };
  }
}
