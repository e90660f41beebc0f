import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ValidationFailedError } from '../http/index.js';
import { ChallengeExpiredError, OtpThrottleService } from '../otp/index.js';
import { PasswordPolicy } from '../passwords/index.js';
import type { SessionHandle } from '../session/index.js';
import { InvalidCredentialsError, PasswordResetRequiredError, SignupClosedError } from './auth.errors.js';
import { PasswordHold } from './password-hold.js';
import { AuthEvents, type FactorEvent } from './auth.events.js';
import { InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import type { PendingSignIn } from './auth-session.js';
import { FactorRegistry } from './factors/index.js';
import { PasswordService } from './password.service.js';
import { type Authenticated, type CodeSent, type SecondFactorRequired, SignInFlow } from './sign-in-flow.service.js';
import { UserStore } from './users/user-store.js';

/** What `POST /auth` and `POST /register` take. */
export interface FirstFactorInput {
  email: string;
  password?: string;
}

/**
 * The first step of signing in (`POST /auth`) and up (`POST /register`). Every path costs the same
 * work and gives the same answer whether or not the account exists.
 */
@Injectable()
export class SignInService {
  constructor(
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
    protected readonly users: UserStore,
    protected readonly passwords: PasswordService,
    protected readonly throttle: OtpThrottleService,
    protected readonly factors: FactorRegistry,
    protected readonly flow: SignInFlow,
    @Optional() protected readonly events?: EventEmitter2,
    @Optional() protected readonly policy?: PasswordPolicy,
    @Optional() protected readonly hold?: PasswordHold,
  ) {}

  /**
   * `POST /auth`. Order: (validation by the pipe) lock, password, then either the account's second
   * factor (no mail) or the send budget and an emailed code.
   * @param locales the reader's languages, for the mail.
   * @throws ValidationFailedError, IdentifierLockedError, InvalidCredentialsError, SendRateLimitedError, StoreUnavailableError
   */
  async start(
    session: SessionHandle,
    input: FirstFactorInput,
    locales: readonly string[],
  ): Promise<CodeSent | SecondFactorRequired | Authenticated> {
    void session.data; // a POST needs its session: 503 now when the store failed
    const { email, password } = input;
    if (this.options.firstFactor === 'password') {
      if (password === undefined)
        throw new ValidationFailedError([{ field: 'password', problems: ['password is required'] }]);
      const scope = await this.flow.lockScope(session, email);
      await this.throttle.assertNotLocked(email, scope);
      const user = await this.users.findByEmail(email);
      if (!(await this.passwords.verify(user?.passwordHash, password)) || !user) {
        await this.throttle.recordFailure(email, scope);
        this.events?.emit(AuthEvents.FactorFailed, {
          identifier: email,
          purpose: 'sign-in',
          factor: 'pwd',
          reason: 'invalid_credentials',
          account: user !== null,
        } satisfies FactorEvent);
        throw new InvalidCredentialsError();
      }
      // Checked after the password, so it tells nothing to someone who does not know it.
      if (await this.hold?.isHeld(email)) throw new PasswordResetRequiredError();
      this.events?.emit(AuthEvents.FactorPassed, {
        identifier: email,
        purpose: 'sign-in',
        factor: 'pwd',
        account: true,
      } satisfies FactorEvent);
      const start = { purpose: 'sign-in' as const, identifier: email, factors: ['pwd'] };
      const enrolled = await this.factors.enrolled(email);
      if (enrolled.length) return this.flow.secondFactorOrRemembered(session, start, enrolled);
      await this.throttle.reserveSend(email);
      return this.flow.emailStep(session, start, locales, { account: true });
    }

    if (password !== undefined) {
      throw new ValidationFailedError([
        { field: 'password', problems: ['password is not used: sign in with the emailed code'] },
      ]);
    }
    await this.throttle.reserveSendUnlessLocked(email, await this.flow.lockScope(session, email));
    const user = await this.users.findByEmail(email);
    if (user) {
      return this.flow.emailStep(session, { purpose: 'sign-in', identifier: email, factors: [] }, locales, {
        account: true,
      });
    }
    if (this.options.signup === 'open') {
      return this.flow.emailStep(session, { purpose: 'sign-up', identifier: email, factors: [] }, locales, {
        account: false,
      });
    }
    // Closed sign-up: a challenge that looks and counts like a real one, and no mail.
    return this.flow.emailStep(session, { purpose: 'sign-in', identifier: email, factors: [] }, locales, {
      decoy: 'closed',
      account: false,
    });
  }

  /**
   * `POST /verify/restart`: a new emailed-code challenge for the address of the session's pending
   * (or ended) emailed-code step, answered as `POST /auth` would be; the identifier's cooldown, caps
   * and lock apply. In email mode it decides again (sign-in, sign-up or decoy); in password mode the
   * password this session passed still counts. A password-mode sign-up cannot restart (its password
   * is gone with its challenge): 410, register again.
   * @throws ChallengeExpiredError (410) with nothing to restart; IdentifierLockedError, SendRateLimitedError
   */
  async restart(
    session: SessionHandle,
    locales: readonly string[],
  ): Promise<CodeSent | SecondFactorRequired | Authenticated> {
    const p = session.data.pending;
    if (!p || !isRestartable(p, this.options)) throw new ChallengeExpiredError();
    if (p.purpose !== 'step-up' && this.options.firstFactor === 'email') {
      return this.start(session, { email: p.identifier }, locales);
    }
    await this.throttle.reserveSendUnlessLocked(p.identifier, await this.flow.lockScope(session, p.identifier));
    return this.flow.emailStep(session, { purpose: p.purpose, identifier: p.identifier, factors: p.factors }, locales);
  }

  /**
   * `POST /register` (password mode). An existing address gets the same answer and a notice mail;
   * its account is not touched.
   */
  async register(
    session: SessionHandle,
    input: Required<FirstFactorInput>,
    locales: readonly string[],
  ): Promise<CodeSent> {
    void session.data;
    if (this.options.signup === 'closed') throw new SignupClosedError();
    const { email, password } = input;
    // The password rules (common passwords, the email's name), when the app has PasswordsModule.
    const problems = this.policy?.check(password, email) ?? [];
    if (problems.length) throw new ValidationFailedError([{ field: 'password', problems }]);
    await this.throttle.reserveSendUnlessLocked(email);
    // Hash first in every case: the existing-account path must cost the same.
    const passwordHash = await this.passwords.hash(password);
    const start = { purpose: 'sign-up' as const, identifier: email, factors: ['pwd'] };
    if (await this.users.findByEmail(email)) {
      return this.flow.emailStep(session, start, locales, { decoy: 'exists', account: true });
    }
    return this.flow.emailStep(session, start, locales, { meta: { ph: passwordHash }, account: false });
  }
}

/** True when `POST /verify/restart` can start this step again (see {@link SignInService.restart}). */
export function isRestartable(p: PendingSignIn, options: Pick<AuthModuleOptions, 'firstFactor'>): boolean {
  if (p.step !== 'email_otp' || p.purpose === 'password-reset') return false;
  return !(p.purpose === 'sign-up' && options.firstFactor === 'password');
}
