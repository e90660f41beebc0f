import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { IdentifierLockedError, SendRateLimitedError } from './otp.errors.js';
import { type IdentifierLockedEvent, OtpEvents } from './otp.events.js';
import type { ResolvedOtpOptions } from './otp.module-definition.js';
import type { LockScope } from './otp.types.js';
import { RESOLVED_OTP_OPTIONS } from './otp.providers.js';
import { OtpStore } from './otp-store.js';

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

  /** Seconds until the next send is allowed after one just made. */
  get resendAfterSeconds(): number {
    return Math.ceil(this.options.send.cooldownMs / 1000);
  }
}
