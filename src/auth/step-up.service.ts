import { Injectable } from '@nestjs/common';
import { OtpThrottleService } from '../otp/index.js';
import type { SessionHandle } from '../session/index.js';
import { UnauthenticatedError } from './auth.errors.js';
import { FactorRegistry } from './factors/index.js';
import { type CodeSent, type SecondFactorRequired, SignInFlow } from './sign-in-flow.service.js';

/**
 * Step-up: a signed-in session proves a second factor again (for `@FreshAuth` and `@RequireAal`
 * routes). The account's authenticator when it has one, else an emailed code; `POST /verify` then
 * renews `authTime` and rotates the session id. The session stays signed in meanwhile.
 */
@Injectable()
export class StepUpService {
  constructor(
    protected readonly throttle: OtpThrottleService,
    protected readonly factors: FactorRegistry,
    protected readonly flow: SignInFlow,
  ) {}

  /** @throws UnauthenticatedError, IdentifierLockedError, SendRateLimitedError */
  async start(session: SessionHandle, locales: readonly string[]): Promise<CodeSent | SecondFactorRequired> {
    const user = session.data.user;
    if (!user) throw new UnauthenticatedError();
    const start = { purpose: 'step-up' as const, identifier: user.email, factors: [] };
    const enrolled = await this.factors.enrolled(user.email);
    if (enrolled.length) {
      await this.throttle.assertNotLocked(user.email);
      return this.flow.secondFactorStep(session, start, enrolled);
    }
    await this.throttle.reserveSendUnlessLocked(user.email);
    return this.flow.emailStep(session, start, locales);
  }
}
