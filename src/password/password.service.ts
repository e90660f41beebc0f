import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  AuthEvents,
  codeFailureOf,
  type FactorEvent,
  InvalidCredentialsError,
  PasswordHold,
  PasswordService,
  SignInFlow,
  UserStore,
} from '../auth/index.js';
import { DevicesService } from '../devices/index.js';
import { clientInfo, ValidationFailedError } from '../http/index.js';
import { ChallengeExpiredError, type LockScope, OtpService, OtpThrottleService } from '../otp/index.js';
import { PasswordPolicy } from '../passwords/index.js';
import { SessionService, type SessionHandle } from '../session/index.js';
import { type PasswordEvent, PasswordEvents } from './password.events.js';

/** `200 {"status":"code_sent","next":"/password/reset",...}`. */
export interface ResetCodeSent {
  status: 'code_sent';
  next: '/password/reset';
  expiresAt: string;
  resendAfter: number;
}

/**
 * Password reset (forgot, then the mailed code with a new password) and change (signed in). A reset
 * or a change ends the account's sessions (a change keeps the one that made it) and emits an event
 * (`AccountModule` mails the owner a notice from it). A reset never removes a second factor: the authenticator is still asked for next time.
 * Their steps emit the sign-in's events too (`auth.challenge_started`, `auth.code_sent`,
 * `auth.factor_passed`, `auth.factor_failed`, purpose `password-reset` or `password-change`), so
 * the activity, the logs and the metrics see guessing here as they see it at sign-in.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    protected readonly users: UserStore,
    protected readonly passwords: PasswordService,
    protected readonly policy: PasswordPolicy,
    protected readonly otp: OtpService,
    protected readonly throttle: OtpThrottleService,
    protected readonly sessions: SessionService,
    protected readonly flow: SignInFlow,
    @Optional() protected readonly events?: EventEmitter2,
    @Optional() protected readonly devices?: DevicesService,
    @Optional() protected readonly hold?: PasswordHold,
  ) {}

  /**
   * `POST /password/forgot`: the same answer, status and work for any address; only an existing
   * account is mailed a code (an unknown one gets a decoy challenge that no code completes). The
   * address's cooldown, caps and lock apply as to every mail; a browser the account knows answers to
   * its own lock instead of the address's, as at sign-in (see `SignInFlow.lockScope`).
   * @throws IdentifierLockedError, SendRateLimitedError, StoreUnavailableError
   */
  async forgot(session: SessionHandle, email: string, locales: readonly string[]): Promise<ResetCodeSent> {
    void session.data; // a POST needs its session: 503 now when the store failed, before any work
    await this.throttle.reserveSendUnlessLocked(email, await this.flow.lockScope(session, email));
    const exists = (await this.users.findByEmail(email)) !== null;
    // The sign-in's emailed-code step (session, challenge, mail, event, in that order), for another purpose.
    const sent = await this.flow.emailStep(
      session,
      { purpose: 'password-reset', identifier: email, factors: [] },
      locales,
      { ...(exists ? {} : { decoy: 'closed' as const }), account: exists },
    );
    return { ...sent, next: '/password/reset' };
  }

  /**
   * `POST /password/reset`: with the mailed code, sets the new password, ends every session of the
   * account (this browser signs in again) and mails a notice. Wrong codes count like any wrong code,
   * toward this browser's own budget when the account knows it.
   * @throws ValidationFailedError (the new password), ChallengeExpiredError, InvalidCodeError, IdentifierLockedError
   */
  async reset(
    session: SessionHandle,
    code: string,
    password: string,
    locales: readonly string[],
  ): Promise<{ status: 'password_changed'; next: '/auth' }> {
    const p = session.data.pending;
    if (!p || p.purpose !== 'password-reset' || p.step !== 'email_otp') throw new ChallengeExpiredError();
    this.assertAcceptable(password, p.identifier, 'password');
    // A code of the wrong length is malformed: 400, and it counts nothing (like at /verify).
    if (code.length !== this.otp.codeLength) {
      throw new ValidationFailedError([{ field: 'code', problems: [`code must be ${this.otp.codeLength} digits`] }]);
    }
    await this.checkCode(p.id, p.identifier, code, await this.flow.lockScope(session, p.identifier));
    const hash = await this.passwords.hash(password);
    if (!(await this.users.updatePassword(p.identifier, hash))) throw new ChallengeExpiredError();
    const sessionsEnded = await this.endSessions(p.identifier);
    await this.hold?.release(p.identifier);
    // Remembered and known browsers alike: a copied cookie is void from now on.
    await this.devices?.forgetAll(p.identifier);
    // This browser starts over, signed out.
    await session.rotate({});
    this.events?.emit(PasswordEvents.Reset, {
      email: p.identifier,
      locales,
      ...clientInfo(session.userAgent, session.ip),
      sessionsEnded,
    } satisfies PasswordEvent);
    return { status: 'password_changed', next: '/auth' };
  }

  /**
   * `POST /account/password` (signed in, fresh second factor): checks the current password (a wrong
   * one counts toward the lock: this browser's own when the account knows it, as at sign-in), sets
   * the new one, ends every other session, mails a notice.
   * @throws ValidationFailedError, InvalidCredentialsError, IdentifierLockedError
   */
  async change(session: SessionHandle, current: string, next: string, locales: readonly string[]): Promise<void> {
    const email = session.data.user!.email;
    this.assertAcceptable(next, email, 'newPassword');
    const scope = await this.flow.lockScope(session, email);
    await this.throttle.assertNotLocked(email, scope);
    const user = await this.users.findByEmail(email);
    const who = { identifier: email, purpose: 'password-change' as const, factor: 'pwd', account: true };
    if (!(await this.passwords.verify(user?.passwordHash, current)) || !user) {
      await this.throttle.recordFailure(email, scope);
      this.events?.emit(AuthEvents.FactorFailed, { ...who, reason: 'invalid_credentials' } satisfies FactorEvent);
      throw new InvalidCredentialsError();
    }
    this.events?.emit(AuthEvents.FactorPassed, who satisfies FactorEvent);
    await this.users.updatePassword(email, await this.passwords.hash(next));
    const others = (await this.sessions.listOwned(email)).filter((s) => s.sid !== session.id).map((s) => s.sid);
    const sessionsEnded = await this.sessions.endOwned(email, others);
    await this.devices?.forgetAll(email, 'remembered');
    this.events?.emit(PasswordEvents.Changed, {
      email,
      locales,
      ...clientInfo(session.userAgent, session.ip),
      sessionsEnded,
    } satisfies PasswordEvent);
  }

  /**
   * Checks a reset code and reports the answer as `/verify` does: `auth.factor_passed`, or
   * `auth.factor_failed` with why (none for a challenge that is gone: nothing was checked).
   */
  protected async checkCode(id: string, email: string, code: string, scope: LockScope): Promise<void> {
    const who = { identifier: email, purpose: 'password-reset' as const, factor: 'email_otp' };
    try {
      await this.otp.verify(id, email, 'password-reset', code, scope);
    } catch (err) {
      if (!(err instanceof ChallengeExpiredError)) {
        this.events?.emit(AuthEvents.FactorFailed, { ...who, reason: codeFailureOf(err) } satisfies FactorEvent);
      }
      throw err;
    }
    // Only a real challenge takes a code, and only an existing account gets one.
    this.events?.emit(AuthEvents.FactorPassed, { ...who, account: true } satisfies FactorEvent);
  }

  protected assertAcceptable(password: string, email: string, field: string): void {
    const problems = this.policy.check(password, email);
    if (problems.length) throw new ValidationFailedError([{ field, problems }]);
  }

  /** Ends every session of the account. @returns how many were ended. */
  protected async endSessions(email: string): Promise<number> {
    const all = (await this.sessions.listOwned(email)).map((s) => s.sid);
    return this.sessions.endOwned(email, all);
  }
}
