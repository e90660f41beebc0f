import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ValidationFailedError } from '../http/index.js';
import { type Challenge, ChallengeExpiredError, OtpService, OtpThrottleService } from '../otp/index.js';
import type { SessionHandle } from '../session/index.js';
import { NothingToResendError, OtherBrowserError, UnauthenticatedError } from './auth.errors.js';
import { AuthEvents, codeFailureOf, type FactorEvent } from './auth.events.js';
import type { FactorId, PendingSignIn, PendingStep } from './auth-session.js';
import { EmailCodeService } from './email-code.service.js';
import { FactorRegistry, type SecondFactor } from './factors/index.js';
import { InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import { type Authenticated, type CodeSent, type SecondFactorRequired, SignInFlow } from './sign-in-flow.service.js';
import { isRestartable } from './sign-in.service.js';
import { UserStore } from './users/user-store.js';

/** What the code page shows about the pending step. */
export interface PendingView {
  email: string;
  purpose: PendingSignIn['purpose'];
  step: PendingStep;
  /** The factors accepted at a `second_factor` step. */
  factors: FactorId[];
  expiresAt: string;
  /** Epoch ms, for formatting. */
  expiresAtMs: number;
  attemptsRemaining: number;
  codeLength: number;
  /** Seconds until this session may ask for another code (the identifier's own cooldown may be longer). */
  resendAfter: number;
  /** `failed` when the mail of the latest code could not be delivered; `sent` otherwise. */
  delivery: 'sent' | 'failed';
  /** Set when the step can no longer be completed: past its deadline, or its attempts used up. */
  ended?: 'expired' | 'attempts';
  /** True when `POST /verify/restart` can start it again. */
  restartable: boolean;
}

/**
 * The answer of `POST /verify`, exactly one of: `code` (an emailed code or an authenticator's),
 * `recoveryCode`, or `factor` and `answer` (any offered second factor, by id).
 */
export interface VerifyInput {
  code?: string;
  recoveryCode?: string;
  factor?: string;
  answer?: string;
  /** At a second-factor step: remember this browser (it then skips the second factor, `REMEMBER_DEVICE_DAYS`). */
  remember?: boolean;
}

/** Completes and re-sends the session's pending step (`POST /verify`, `POST /verify/resend`). */
@Injectable()
export class ChallengeService {
  constructor(
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
    protected readonly users: UserStore,
    protected readonly otp: OtpService,
    protected readonly throttle: OtpThrottleService,
    protected readonly codes: EmailCodeService,
    protected readonly factors: FactorRegistry,
    protected readonly flow: SignInFlow,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /**
   * The pending step of this session, or null when there is none. A step whose challenge is gone
   * is still shown, with why it `ended`, so the page can offer to start again.
   */
  async pending(session: SessionHandle): Promise<PendingView | null> {
    const p = session.maybe?.pending;
    if (!p) return null;
    const ch = await this.otp.find(p.id);
    if (!ch) {
      const expiresAtMs = p.expiresAt ?? Date.now();
      return {
        email: p.identifier,
        purpose: p.purpose,
        step: p.step,
        factors: p.options ?? [],
        expiresAt: new Date(expiresAtMs).toISOString(),
        expiresAtMs,
        attemptsRemaining: 0,
        codeLength: this.otp.codeLength,
        resendAfter: 0,
        delivery: 'sent',
        ended: this.endedWhy(p),
        restartable: isRestartable(p, this.options),
      };
    }
    return {
      email: ch.identifier,
      purpose: p.purpose,
      step: p.step,
      factors: p.options ?? [],
      expiresAt: new Date(ch.expiresAt).toISOString(),
      expiresAtMs: ch.expiresAt,
      attemptsRemaining: ch.attemptsRemaining,
      codeLength: this.otp.codeLength,
      resendAfter: Math.max(
        0,
        Math.ceil(((p.sentAt ?? 0) + this.throttle.resendAfterSeconds * 1000 - Date.now()) / 1000),
      ),
      delivery: ch.undelivered ? 'failed' : 'sent',
      restartable: isRestartable(p, this.options),
    };
  }

  /**
   * True when a sign-in link (`<challenge id>.<secret>`) is for this session's pending emailed-code
   * step: its challenge id is the session's. Nothing is checked against the secret.
   */
  linkFitsSession(session: SessionHandle, link: string): boolean {
    const dot = link.indexOf('.');
    const p = session.maybe?.pending;
    return dot > 0 && !!p && p.step === 'email_otp' && p.purpose !== 'password-reset' && p.id === link.slice(0, dot);
  }

  /** True when the challenge a link names still exists (whoever's it is). Nothing else is checked. */
  async linkChallengeLives(link: string): Promise<boolean> {
    const id = link.slice(0, Math.max(0, link.indexOf('.')));
    return /^[\w-]{1,64}$/.test(id) && (await this.otp.find(id)) !== null;
  }

  /**
   * Checks the answer to the pending step; on success the session moves to the next step or is
   * signed in, under a new id either way.
   * @throws ValidationFailedError, ChallengeExpiredError, IdentifierLockedError, InvalidCodeError
   */
  async verify(
    session: SessionHandle,
    input: VerifyInput,
    locales: readonly string[] = [],
  ): Promise<SecondFactorRequired | Authenticated> {
    const given = (['code', 'recoveryCode', 'factor'] as const).filter((f) => input[f] !== undefined);
    if (given.length !== 1 || (input.factor === undefined) !== (input.answer === undefined)) {
      throw new ValidationFailedError([
        { field: 'code', problems: ['send one answer: code, recoveryCode, or factor with answer'] },
      ]);
    }
    const p = session.data.pending;
    // A password reset's code is answered at /password/reset with the new password, never here.
    if (!p || p.purpose === 'password-reset') throw new ChallengeExpiredError();
    const field = given[0];
    if (p.step === 'email_otp') {
      if (field !== 'code' && input.factor !== 'email_otp') throw this.notAsked(field);
      return this.verifyEmailCode(session, p, input.code ?? input.answer!);
    }
    const factor =
      field === 'factor'
        ? p.options?.includes(input.factor!)
          ? this.factors.get(input.factor!)
          : undefined
        : this.factors.byField(field, p.options ?? []);
    if (!factor) throw this.notAsked(field);
    return this.verifySecondFactor(
      session,
      p,
      factor,
      input[field === 'factor' ? 'answer' : field]!,
      locales,
      input.remember === true,
    );
  }

  /**
   * A new code for the pending emailed-code step (same attempts, same deadline); at a second-factor
   * step that offers `email_otp` (the fallback), an emailed code replaces that step.
   * @throws ChallengeExpiredError, SendRateLimitedError, NothingToResendError
   */
  async resend(
    session: SessionHandle,
    locales: readonly string[],
  ): Promise<{ status: 'code_sent'; resendAfter: number } | CodeSent> {
    const p = session.data.pending;
    if (!p) throw new ChallengeExpiredError();
    const challenge = await this.otp.find(p.id);
    if (!challenge) throw new ChallengeExpiredError(this.endedWhy(p));
    if (p.step === 'second_factor') {
      if (!p.options?.includes('email_otp')) throw new NothingToResendError();
      await this.throttle.reserveSend(p.identifier);
      await this.otp.cancel(p.id);
      return this.flow.emailStep(
        session,
        { purpose: p.purpose, identifier: p.identifier, factors: p.factors },
        locales,
      );
    }
    await this.throttle.reserveSend(p.identifier);
    await this.codes.resend(challenge, locales);
    p.sentAt = Date.now();
    await session.save();
    return { status: 'code_sent', resendAfter: this.throttle.resendAfterSeconds };
  }

  protected async verifyEmailCode(session: SessionHandle, p: PendingSignIn, code: string) {
    if (code.length !== this.otp.codeLength) {
      throw new ValidationFailedError([{ field: 'code', problems: [`code must be ${this.otp.codeLength} digits`] }]);
    }
    const scope = await this.flow.lockScope(session, p.identifier);
    const challenge = await this.settle(p, 'email_otp', () =>
      this.otp.verify(p.id, p.identifier, p.purpose, code, scope),
    );
    await this.completeAccount(challenge);
    return this.flow.advance(session, p, 'email_otp');
  }

  /**
   * Completes the emailed-code step with the link from its mail (`<challenge id>.<secret>`), like its
   * code, but only in the browser whose session started that challenge: anywhere else nothing is
   * checked or consumed.
   * @throws OtherBrowserError, ChallengeExpiredError, IdentifierLockedError, InvalidCodeError
   */
  async verifyLink(session: SessionHandle, link: string): Promise<SecondFactorRequired | Authenticated> {
    if (!this.linkFitsSession(session, link)) {
      // Used, expired or unknown: gone for everyone (410); alive, it is another browser's.
      if (!(await this.linkChallengeLives(link))) throw new ChallengeExpiredError();
      throw new OtherBrowserError();
    }
    const p = session.data.pending!;
    const secret = link.slice(link.indexOf('.') + 1);
    const scope = await this.flow.lockScope(session, p.identifier);
    const challenge = await this.settle(p, 'email_otp', () =>
      this.otp.verifyLink(p.id, p.identifier, p.purpose, secret, scope),
    );
    await this.completeAccount(challenge);
    return this.flow.advance(session, p, 'email_otp');
  }

  /**
   * The lock is checked first, so a right answer during a lock spends nothing (a TOTP step, a
   * recovery code); then the factor checks the answer, and the step's challenge counts the outcome.
   */
  protected async verifySecondFactor(
    session: SessionHandle,
    p: PendingSignIn,
    factor: SecondFactor,
    answer: string,
    locales: readonly string[],
    remember = false,
  ) {
    if (!factor.isWellFormed(answer)) {
      const name = factor.field ?? 'answer';
      throw new ValidationFailedError([{ field: name, problems: [`${name} is not in the expected format`] }]);
    }
    const scope = await this.flow.lockScope(session, p.identifier);
    await this.throttle.assertNotLocked(p.identifier, scope);
    if (!(await this.otp.find(p.id))) throw new ChallengeExpiredError(this.endedWhy(p));
    const { device, ip } = scope.client ?? {};
    const check = { identifier: p.identifier, purpose: p.purpose, locales, device, ip };
    const right = await factor.verify(check, answer);
    await this.settle(p, factor.id, () => this.otp.settleStep(p.id, p.identifier, p.purpose, right, scope));
    return this.flow.advance(session, p, factor.id, { remember });
  }

  /** Runs a check of the pending step: says why a dead step ended, reports a wrong answer. */
  protected async settle(p: PendingSignIn, factor: FactorId, check: () => Promise<Challenge>) {
    try {
      return await check();
    } catch (err) {
      if (err instanceof ChallengeExpiredError) throw new ChallengeExpiredError(this.endedWhy(p));
      this.events?.emit(AuthEvents.FactorFailed, {
        identifier: p.identifier,
        purpose: p.purpose,
        factor,
        reason: codeFailureOf(err),
      } satisfies FactorEvent);
      throw err;
    }
  }

  /**
   * Why a step whose challenge is gone ended: its deadline passed, or (before it) its attempts ran
   * out. The deadline is read on the clock that set it (`OtpService`'s).
   */
  protected endedWhy(p: PendingSignIn): 'expired' | 'attempts' {
    return p.expiresAt === undefined || this.otp.secondsLeft({ expiresAt: p.expiresAt }) === 0 ? 'expired' : 'attempts';
  }

  /** Creates the account a sign-up challenge proved; a sign-in needs the account to exist. */
  protected async completeAccount(challenge: Challenge): Promise<void> {
    if (challenge.purpose === 'sign-up') {
      const created = await this.users.create({
        email: challenge.identifier,
        passwordHash: challenge.meta?.ph,
        createdAt: Date.now(),
      });
      // Someone created the account meanwhile. The code proves the mailbox, which is all an
      // email-mode sign-in needs; but this password was never checked against that account.
      if (!created && challenge.meta?.ph) throw new ChallengeExpiredError();
      return;
    }
    if (challenge.purpose === 'sign-in' && !(await this.users.findByEmail(challenge.identifier))) {
      throw new UnauthenticatedError();
    }
  }

  protected notAsked(field: string): ValidationFailedError {
    return new ValidationFailedError([{ field, problems: [`${field} is not asked for at this step`] }]);
  }
}
