import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../clock/index.js';
import { clientInfo } from '../http/index.js';
import { DevicesService } from '../devices/index.js';
import { type FailurePolicy, type LockScope, OtpThrottleService, OtpService } from '../otp/index.js';
import type { SessionHandle } from '../session/index.js';
import { AuthEvents, type ChallengeStartedEvent, type FactorEvent, type SignedInEvent } from './auth.events.js';
import { DEFAULT_AAL2_FACTORS, InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import { assurance, type FactorId, type PendingSignIn, type SessionUser } from './auth-session.js';
import { type Decoy, EmailCodeService } from './email-code.service.js';
import { FactorRegistry } from './factors/index.js';

/** `200 {"status":"code_sent",...}`: a code is on its way (or a decoy answers as if). */
export interface CodeSent {
  status: 'code_sent';
  next: '/verify';
  expiresAt: string;
  /** Seconds before another code may be asked for. */
  resendAfter: number;
}

/** `200 {"status":"second_factor_required",...}`: the account's second factor is next. */
export interface SecondFactorRequired {
  status: 'second_factor_required';
  next: '/verify';
  /** The factors accepted now, e.g. `["totp","recovery_code"]`. */
  factors: FactorId[];
}

/** `200 {"status":"authenticated","next":...}`: the session is signed in. */
export interface Authenticated {
  status: 'authenticated';
  next: string;
}

/** A known device's own failure budget: 5 wrong answers in 15 minutes, then 15 minutes locked. */
export const KNOWN_DEVICE_POLICY: FailurePolicy = {
  threshold: 5,
  windowMs: 15 * 60_000,
  baseLockMs: 15 * 60_000,
  maxLockMs: 15 * 60_000,
};

/** The lock subject of a known device of `identifier`: its own failure budget under the account. */
export function knownDeviceSubject(identifier: string, deviceHash: string): string {
  return `${identifier}#kd:${deviceHash}`;
}

/** Who a flow is for and what it has passed so far. */
type FlowStart = Pick<PendingSignIn, 'purpose' | 'identifier' | 'factors'>;

/**
 * The one path every sign-in takes, whatever its first factor: after each factor it decides the
 * next step (an emailed code, the account's second factor) or signs the session in. An account
 * with a primary second factor (an authenticator app) must pass two distinct factors, on every
 * path; an account without one signs in as before. Each step moves the session to a new id.
 */
@Injectable()
export class SignInFlow {
  constructor(
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
    protected readonly otp: OtpService,
    protected readonly throttle: OtpThrottleService,
    protected readonly codes: EmailCodeService,
    protected readonly factors: FactorRegistry,
    protected readonly clock: Clock,
    @Optional() protected readonly events?: EventEmitter2,
    @Optional() protected readonly devices?: DevicesService,
  ) {}

  /**
   * Whose lock a check of `identifier` in this browser counts toward: a browser that fully signed in
   * to the account before (a known device) has a budget of its own (5 wrong answers in 15 minutes),
   * so a stranger who locks the identifier does not lock its owner out. Unknown addresses never
   * have a known device, so nothing here answers differently for them. The scope also names the
   * browser and network, for the lock's notice mail.
   */
  async lockScope(session: SessionHandle, identifier: string): Promise<LockScope> {
    const known = await this.devices?.find(session, 'known', identifier);
    const client = { ...clientInfo(session.userAgent, session.ip), locales: session.languages };
    return known
      ? { subject: knownDeviceSubject(identifier, known.hash), policy: KNOWN_DEVICE_POLICY, client }
      : { client };
  }

  /**
   * The account's second factor next, unless this browser is remembered for it (sign-in only):
   * then the second factor is skipped (never the first) and the remembered token rotated.
   */
  async secondFactorOrRemembered(
    session: SessionHandle,
    start: FlowStart,
    enrolled: FactorId[],
  ): Promise<SecondFactorRequired | Authenticated> {
    if (start.purpose === 'sign-in' && (await this.devices?.use(session, 'remembered', start.identifier))) {
      return this.complete(session, start.identifier, start.factors, { remembered: true });
    }
    return this.secondFactorStep(session, start, enrolled);
  }

  /**
   * Mails a code and makes it the pending step (callers reserve the send budget first).
   * @throws StoreUnavailableError
   */
  async emailStep(
    session: SessionHandle,
    start: FlowStart,
    locales: readonly string[],
    extra: { decoy?: Decoy; meta?: Record<string, string>; account?: boolean } = {},
  ): Promise<CodeSent> {
    const { account, ...options } = extra;
    // The session waits for the challenge before it is stored and its code mailed (see EmailCodeService.start).
    const challenge = await this.codes.start(
      { purpose: start.purpose, identifier: start.identifier, ...options },
      locales,
      (c) => this.enter(session, { ...start, id: c.id, step: 'email_otp', sentAt: Date.now(), expiresAt: c.expiresAt }),
    );
    this.emit<ChallengeStartedEvent>(AuthEvents.ChallengeStarted, {
      ...this.who(start),
      step: 'email_otp',
      ...(account === undefined ? {} : { account }),
    });
    return {
      status: 'code_sent',
      next: '/verify',
      expiresAt: new Date(challenge.expiresAt).toISOString(),
      resendAfter: this.throttle.resendAfterSeconds,
    };
  }

  /**
   * Makes the account's second factor the pending step. In password mode with `mfaEmailFallback`,
   * an emailed code is offered too (asked for with `POST /verify/resend`).
   */
  async secondFactorStep(
    session: SessionHandle,
    start: FlowStart,
    enrolled: FactorId[],
  ): Promise<SecondFactorRequired> {
    const fallback =
      this.options.mfaEmailFallback && this.options.firstFactor === 'password' && start.purpose !== 'step-up';
    const offered = fallback ? [...enrolled, 'email_otp'] : enrolled;
    const challenge = await this.otp.startStep({ purpose: start.purpose, identifier: start.identifier });
    await this.enter(session, {
      ...start,
      id: challenge.id,
      step: 'second_factor',
      options: offered,
      expiresAt: challenge.expiresAt,
    });
    this.emit<ChallengeStartedEvent>(AuthEvents.ChallengeStarted, {
      ...this.who(start),
      step: 'second_factor',
      factors: offered,
      account: true,
    });
    return { status: 'second_factor_required', next: '/verify', factors: offered };
  }

  /**
   * After `passed` was passed at the pending step: the next step, or the session signed in.
   * Two distinct factors always complete a sign-in; one completes it only for an account
   * without a primary second factor.
   */
  async advance(
    session: SessionHandle,
    pending: PendingSignIn,
    passed: FactorId,
    options: { remember?: boolean; amr?: string[] } = {},
  ): Promise<SecondFactorRequired | Authenticated> {
    // Every step before this one proved the account exists (see ChallengeService.completeAccount).
    this.emit<FactorEvent>(AuthEvents.FactorPassed, { ...this.who(pending), factor: passed, account: true });
    const factors = [...new Set([...pending.factors, passed])];
    if (pending.purpose === 'step-up') return this.completeStepUp(session, factors, options.amr);
    if (!this.provesTwo(factors)) {
      const enrolled = await this.factors.enrolled(pending.identifier);
      if (enrolled.length) return this.secondFactorOrRemembered(session, { ...this.who(pending), factors }, enrolled);
    }
    // "Remember this browser" only means something once a second factor was passed here.
    const remember = options.remember === true && this.factors.get(passed) !== undefined;
    return this.complete(session, pending.identifier, factors, {
      remember,
      signUp: pending.purpose === 'sign-up',
      amr: options.amr,
    });
  }

  /**
   * A sign-in proved at once by a factor that counts as two (a passkey with user verification): no
   * pending step, no other factor asked for. Emits `auth.factor_passed` and `auth.signed_in`.
   * @param amr RFC 8176 values of this very proof (e.g. `["swk","user"]`), beside the factor's own.
   */
  async signInWith(
    session: SessionHandle,
    email: string,
    factor: FactorId,
    amr: string[] = [],
  ): Promise<Authenticated> {
    this.emit<FactorEvent>(AuthEvents.FactorPassed, { identifier: email, purpose: 'sign-in', factor, account: true });
    return this.complete(session, email, [factor], { amr });
  }

  /** True when these factors are two distinct ones, or one that counts as two. */
  protected provesTwo(factors: FactorId[]): boolean {
    return factors.length >= 2 || factors.some((f) => this.factors.get(f)?.multiFactor === true);
  }

  /**
   * The session's user for these factors, at the current time.
   * @param moreAmr RFC 8176 values known beyond the factors' own (those of a passkey's very proof,
   * or those the session had before a step-up).
   */
  userFor(email: string, factors: FactorId[], moreAmr: readonly string[] = []): SessionUser {
    const all = this.factors.all();
    const extraAmr = Object.fromEntries(all.map((f) => [f.id, f.amr]));
    const self = all.filter((f) => f.multiFactor).map((f) => f.id);
    const { aal, amr } = assurance(factors, this.options.aal2Factors ?? DEFAULT_AAL2_FACTORS, extraAmr, self);
    const merged = [...new Set([...amr.filter((a) => a !== 'mfa'), ...moreAmr.filter((a) => a !== 'mfa')])];
    return { email, factors, aal, amr: amr.includes('mfa') ? [...merged, 'mfa'] : merged, authTime: this.clock.now() };
  }

  /**
   * Counts a factor the signed-in session just proved outside a sign-in (e.g. the first code of a
   * newly added authenticator): its factors, level and `authTime` are renewed, under a new id.
   */
  async recordFactor(session: SessionHandle, factor: FactorId): Promise<SessionUser | undefined> {
    const current = session.data.user;
    if (!current) return undefined;
    const user = this.userFor(current.email, [...new Set([...current.factors, factor])], current.amr);
    await session.rotate({ user, client: session.data.client ?? clientInfo(session.userAgent, session.ip) });
    return user;
  }

  protected async complete(
    session: SessionHandle,
    email: string,
    factors: FactorId[],
    options: { remember?: boolean; remembered?: boolean; signUp?: boolean; amr?: string[] } = {},
  ): Promise<Authenticated> {
    const next = session.data.returnTo ?? '/home';
    const user = this.userFor(email, factors, options.amr);
    if (options.remembered) user.remembered = true;
    const client = clientInfo(session.userAgent, session.ip);
    // Without DevicesModule nothing is known about browsers: `newBrowser` is left out.
    const newBrowser = this.devices
      ? {
          // A sign-up's first sign-in is expected; a remembered browser is known.
          newBrowser: !options.signUp && !options.remembered && !(await this.devices.find(session, 'known', email)),
        }
      : {};
    await session.rotate({ user, client });
    // Every full sign-in makes (or renews) this browser a known device of the account.
    await this.devices?.trust(session, 'known', email, client);
    if (options.remember) await this.devices?.trust(session, 'remembered', email, client);
    this.emit<SignedInEvent>(AuthEvents.SignedIn, {
      email,
      factors,
      aal: user.aal,
      ...client,
      ...newBrowser,
      locales: session.languages,
      account: true,
    });
    return { status: 'authenticated', next };
  }

  /** A step-up adds what it passed to the session's factors and renews `authTime`. */
  protected async completeStepUp(
    session: SessionHandle,
    passed: FactorId[],
    amr: string[] = [],
  ): Promise<Authenticated> {
    const current = session.data.user;
    const next = session.data.returnTo ?? '/home';
    if (!current) return this.complete(session, session.data.pending!.identifier, passed, { amr });
    const user = this.userFor(current.email, [...new Set([...current.factors, ...passed])], [...current.amr, ...amr]);
    await session.rotate({ user, client: session.data.client ?? clientInfo(session.userAgent, session.ip) });
    this.emit<SignedInEvent>(AuthEvents.SteppedUp, {
      email: user.email,
      factors: user.factors,
      aal: user.aal,
      account: true,
    });
    return { status: 'authenticated', next };
  }

  /** Moves the session to a new id waiting on `pending` (a step-up keeps its signed-in user). */
  protected async enter(session: SessionHandle, pending: PendingSignIn): Promise<void> {
    const { returnTo, user, client } = session.data;
    await session.rotate({
      pending,
      ...(returnTo ? { returnTo } : {}),
      ...(pending.purpose === 'step-up' && user ? { user, ...(client ? { client } : {}) } : {}),
    });
  }

  protected who(p: Pick<PendingSignIn, 'purpose' | 'identifier'>) {
    return { identifier: p.identifier, purpose: p.purpose };
  }

  protected emit<T>(name: string, payload: T): void {
    this.events?.emit(name, payload);
  }
}
