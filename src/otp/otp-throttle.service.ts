import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { IdentifierLockedError, SendRateLimitedError } from './otp.errors.js';
import { type IdentifierLockedEvent, OtpEvents } from './otp.events.js';
import type { ResolvedOtpOptions } from './otp.module-definition.js';
import type { LockScope } from './otp.types.js';
import { RESOLVED_OTP_OPTIONS } from './otp.providers.js';
import { OtpStore } from './otp-store.js';
import { sendWaitMs } from './send-budget.js';

/** A lock subject's limits as an operator sees them (`OtpThrottleService.status`): counts and seconds only. */
export interface SubjectStatus {
  /** Seconds left on the lock; 0 when not locked. */
  lockedSeconds: number;
  /** Failures counted now, and how many start a lock. */
  failures: number;
  failureThreshold: number;
  /** Seconds until the failures are forgotten; 0 when there are none. */
  failuresResetSeconds: number;
  /** Sends in each window of the send budget (`max` allowed). */
  sends: { windowSeconds: number; count: number; max: number }[];
  /** Seconds before another code may be sent (the cooldown or a full window); 0: now. */
  nextSendSeconds: number;
}

/**
 * Per-identifier limits that hold across challenges, sessions and IP addresses:
 * the lock-out after repeated wrong answers, and the sending cooldown and caps.
 */
@Injectable()
export class OtpThrottleService {
  constructor(
    protected readonly store: OtpStore,
    @Inject(RESOLVED_OTP_OPTIONS) protected readonly options: ResolvedOtpOptions,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /** @throws IdentifierLockedError while the identifier is locked. */
  async assertNotLocked(identifier: string, scope?: LockScope): Promise<void> {
    const ms = await this.store.lockedFor(scope?.subject ?? identifier, Date.now());
    if (ms > 0) throw new IdentifierLockedError(Math.ceil(ms / 1000));
  }

  /** Counts a wrong answer that was not a code (e.g. a wrong password). */
  async recordFailure(identifier: string, scope?: LockScope): Promise<void> {
    const subject = scope?.subject ?? identifier;
    const lockMs = await this.store.recordFailure(subject, scope?.policy ?? this.options.failure, Date.now());
    if (lockMs > 0) {
      this.events?.emit(OtpEvents.Locked, {
        ...scope?.client,
        subject,
        lockSeconds: Math.ceil(lockMs / 1000),
      } satisfies IdentifierLockedEvent);
    }
  }

  /** Takes one send from the identifier's budget. @throws SendRateLimitedError when none is left. */
  async reserveSend(identifier: string): Promise<void> {
    const ms = await this.store.reserveSend(identifier, this.options.send, Date.now());
    if (ms > 0) throw new SendRateLimitedError(Math.ceil(ms / 1000));
  }

  /**
   * {@link assertNotLocked} and {@link reserveSend} in one store call (one Redis round trip).
   * @throws IdentifierLockedError or SendRateLimitedError.
   */
  async reserveSendUnlessLocked(identifier: string, scope?: LockScope): Promise<void> {
    if (scope?.subject) {
      await this.assertNotLocked(identifier, scope);
      return this.reserveSend(identifier);
    }
    const { lockedMs, waitMs } = await this.store.reserveSendUnlessLocked(identifier, this.options.send, Date.now());
    if (lockedMs > 0) throw new IdentifierLockedError(Math.ceil(lockedMs / 1000));
    if (waitMs > 0) throw new SendRateLimitedError(Math.ceil(waitMs / 1000));
  }

  /**
   * The lock, failures and send budget of `subject` (an identifier, or one of its known devices'
   * subjects), for an operator. Reads only.
   */
  async status(subject: string): Promise<SubjectStatus> {
    const now = Date.now();
    const c = await this.store.counters(subject, now);
    const { send, failure } = this.options;
    const seconds = (ms: number) => Math.ceil(ms / 1000);
    return {
      lockedSeconds: seconds(c.lockedMs),
      failures: c.failures,
      failureThreshold: failure.threshold,
      failuresResetSeconds: seconds(c.failuresResetMs),
      sends: send.caps.map((cap) => ({
        windowSeconds: seconds(cap.windowMs),
        count: c.sends.filter((t) => t >= now - cap.windowMs).length,
        max: cap.max,
      })),
      nextSendSeconds: seconds(sendWaitMs(c.sends, send, now)),
    };
  }

  /** Ends `subject`'s lock and forgets its failures (an operator's decision). @returns true when it was locked. */
  unlock(subject: string): Promise<boolean> {
    return this.store.unlock(subject, Date.now());
  }

  /** Seconds until the next send is allowed after one just made. */
  get resendAfterSeconds(): number {
    return Math.ceil(this.options.send.cooldownMs / 1000);
  }
}
