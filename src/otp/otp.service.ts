import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChallengeExpiredError, IdentifierLockedError, InvalidCodeError } from './otp.errors.js';
import { type IdentifierLockedEvent, OtpEvents } from './otp.events.js';
import type { ResolvedOtpOptions } from './otp.module-definition.js';
import { RESOLVED_OTP_OPTIONS } from './otp.providers.js';
import { OtpStore } from './otp-store.js';
import type { Challenge, ChallengeFactor, ChallengePurpose, LockScope } from './otp.types.js';

/** What a caller needs to start a challenge. */
export interface StartChallenge {
  purpose: ChallengePurpose;
  identifier: string;
  factor?: ChallengeFactor;
  meta?: Record<string, string>;
  /**
   * A decoy behaves like a real challenge at verification but no code can complete it.
   * Used where telling "no such account" apart would leak it (enumeration).
   */
  decoy?: boolean;
}

/** A new code and link token, to hand to the mailer and forget. */
export interface IssuedCode {
  challenge: Challenge;
  code: string;
  /**
   * A random secret of 256 bits (base64url) for a sign-in link: accepted like the code, and
   * stored like it, only as a keyed digest.
   */
  linkToken: string;
  /** The challenge's send count (1 for the first code): an idempotency key for its mail. */
  send: number;
}

/**
 * One-time codes: made with a CSPRNG, stored only as HMAC-SHA256(secret,
 * purpose|challenge|identifier|code), checked atomically and used once. Every deadline is set and
 * checked on the module's clock (`OtpModuleOptions.clock`, by default the app's `Clock`), so a test
 * that moves a `SettableClock` past it sees the challenge expire at once.
 */
@Injectable()
export class OtpService {
  constructor(
    protected readonly store: OtpStore,
    @Inject(RESOLVED_OTP_OPTIONS) protected readonly options: ResolvedOtpOptions,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /**
   * Starts a challenge and returns its first code.
   * @param bind runs with the challenge before it is stored, to record where it will be answered
   * (a session's pending step): if that fails, nothing is stored and its error is thrown; if storing
   * fails after it, what waits for the challenge finds it gone (expired) and can start again. Either
   * way no challenge is left that nothing waits for.
   */
  async start(input: StartChallenge, bind?: (challenge: Challenge) => Promise<void>): Promise<IssuedCode> {
    const now = this.options.clock.now();
    const challenge: Challenge = {
      id: this.store.newId(input.identifier),
      purpose: input.purpose,
      identifier: input.identifier,
      factor: input.factor ?? 'email-otp',
      expiresAt: now + this.options.ttlMs,
      attemptsRemaining: this.options.maxAttempts,
      ...(input.meta ? { meta: input.meta } : {}),
    };
    const { code, linkToken, digests } = this.newAnswers(challenge, input.decoy);
    await bind?.({ ...challenge, sends: 1 });
    await this.store.create({ ...challenge, digests, sends: 1 }, now);
    return { challenge: { ...challenge, sends: 1 }, code, linkToken, send: 1 };
  }

  /**
   * Starts a `second-factor` challenge: no code is made; {@link settleStep} records the outcome of
   * the check made elsewhere.
   */
  async startStep(input: { purpose: ChallengePurpose; identifier: string }): Promise<Challenge> {
    const now = this.options.clock.now();
    const challenge: Challenge = {
      id: this.store.newId(input.identifier),
      purpose: input.purpose,
      identifier: input.identifier,
      factor: 'second-factor',
      expiresAt: now + this.options.ttlMs,
      attemptsRemaining: this.options.maxAttempts,
    };
    await this.store.create({ ...challenge, digests: [this.stepDigest(challenge)] }, now);
    return challenge;
  }

  /**
   * Settles a `second-factor` challenge with the outcome of its check, atomically like a code: a
   * right answer completes it (once, even under concurrency), a wrong one spends an attempt and
   * counts a failure toward the identifier's lock. The caller checks the lock before the factor
   * checks (and spends) the answer, so a right answer is settled whatever lock was set since: a
   * used recovery code or TOTP step is never lost to a lock that came after it was checked.
   * @throws ChallengeExpiredError, IdentifierLockedError or InvalidCodeError (a wrong answer).
   */
  async settleStep(
    id: string,
    identifier: string,
    purpose: ChallengePurpose,
    right: boolean,
    scope?: LockScope,
  ): Promise<Challenge> {
    if (!right) return this.settle(id, identifier, randomBytes(32).toString('base64url'), scope);
    // A subject of this challenge alone, which no failure ever locks.
    return this.settle(id, identifier, this.stepDigest({ id, identifier, purpose }), {
      ...scope,
      subject: `${identifier}#step:${id}`,
    });
  }

  /**
   * Checks a code for the challenge `id` of `identifier`.
   * @throws ChallengeExpiredError, IdentifierLockedError or InvalidCodeError.
   */
  async verify(
    id: string,
    identifier: string,
    purpose: ChallengePurpose,
    code: string,
    scope?: LockScope,
  ): Promise<Challenge> {
    return this.settle(id, identifier, this.digest({ id, identifier, purpose }, code), scope);
  }

  /**
   * Checks a sign-in link's token for the challenge `id`, exactly as a code: single use, the same
   * attempts, deadline and lock.
   * @throws ChallengeExpiredError, IdentifierLockedError or InvalidCodeError.
   */
  async verifyLink(
    id: string,
    identifier: string,
    purpose: ChallengePurpose,
    token: string,
    scope?: LockScope,
  ): Promise<Challenge> {
    return this.settle(id, identifier, this.digest({ id, identifier, purpose }, `link|${token}`), scope);
  }

  /** @param scope whose lock applies and whose failures count (default the identifier's). */
  protected async settle(id: string, identifier: string, digest: string, scope?: LockScope): Promise<Challenge> {
    const result = await this.store.consume(
      id,
      scope?.subject ?? identifier,
      digest,
      scope?.policy ?? this.options.failure,
      this.options.clock.now(),
    );
    switch (result.status) {
      case 'ok':
        return result.challenge;
      case 'invalid':
        if (result.lockMs > 0) {
          const subject = scope?.subject ?? identifier;
          this.events?.emit(OtpEvents.Locked, {
            ...scope?.client,
            subject,
            lockSeconds: Math.ceil(result.lockMs / 1000),
          } satisfies IdentifierLockedEvent);
        }
        throw new InvalidCodeError(result.attemptsRemaining);
      case 'locked':
        throw new IdentifierLockedError(Math.ceil(result.retryAfterMs / 1000));
      default:
        throw new ChallengeExpiredError();
    }
  }

  /**
   * Replaces the code of a live challenge. Attempts and deadline stay as they were.
   * @throws ChallengeExpiredError when the challenge is gone.
   */
  async reissue(challenge: Challenge, decoy = false): Promise<IssuedCode> {
    const { code, linkToken, digests } = this.newAnswers(challenge, decoy);
    // The newest `validCodes` sends stay valid: a code and a link each.
    const send = await this.store.addDigests(
      challenge.id,
      digests,
      this.options.validCodes * 2,
      this.options.clock.now(),
    );
    if (!send) throw new ChallengeExpiredError();
    return { challenge: { ...challenge, sends: send }, code, linkToken, send };
  }

  /** A code and a link token with their digests; a decoy keeps digests of secrets nobody holds. */
  protected newAnswers(c: Pick<Challenge, 'id' | 'identifier' | 'purpose'>, decoy = false) {
    const code = this.generateCode();
    const linkToken = randomBytes(32).toString('base64url');
    const digests = decoy
      ? [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')]
      : [this.digest(c, code), this.digest(c, `link|${linkToken}`)];
    return { code, linkToken, digests };
  }

  /** The live challenge, or null. */
  find(id: string): Promise<Challenge | null> {
    return this.store.get(id, this.options.clock.now());
  }

  /** Records that the latest code of a live challenge could not be delivered (shown on the code page). */
  markUndelivered(id: string): Promise<void> {
    return this.store.markUndelivered(id, this.options.clock.now());
  }

  /** Ends a challenge early (e.g. the user signed out or started over). */
  cancel(id: string): Promise<void> {
    return this.store.delete(id);
  }

  /** Seconds a challenge still has on the module's clock; 0 once its deadline is reached. */
  secondsLeft(challenge: Pick<Challenge, 'expiresAt'>): number {
    return Math.max(0, Math.ceil((challenge.expiresAt - this.options.clock.now()) / 1000));
  }

  /** Digits in a code. */
  get codeLength(): number {
    return this.options.length;
  }

  protected generateCode(): string {
    return randomInt(0, 10 ** this.options.length)
      .toString()
      .padStart(this.options.length, '0');
  }

  /** The digest a `second-factor` challenge is completed with: only this service can make it. */
  protected stepDigest(c: Pick<Challenge, 'id' | 'identifier' | 'purpose'>): string {
    return createHmac('sha256', this.options.secret)
      .update(`step|${c.purpose}|${c.id}|${c.identifier}`)
      .digest('base64url');
  }

  protected digest(c: Pick<Challenge, 'id' | 'identifier' | 'purpose'>, code: string): string {
    return createHmac('sha256', this.options.secret)
      .update(`${c.purpose}|${c.id}|${c.identifier}|${code}`)
      .digest('base64url');
  }
}
