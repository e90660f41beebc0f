import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationFailedError } from '../http/index.js';
import { ChallengeExpiredError, OtpService, OtpThrottleService, type Challenge } from '../otp/index.js';
import { SessionService, type PendingChallenge } from '../session/index.js';
import { UnauthenticatedError } from './auth.errors.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { CodeDeliveryService, isDecoy } from './code-delivery.service.js';
import { UserStore } from './users/user-store.js';

/** What the code page shows about the pending challenge. */
export interface PendingView {
  email: string;
  expiresAt: string;
  /** Epoch ms, for formatting. */
  expiresAtMs: number;
  attemptsRemaining: number;
  codeLength: number;
  /** Seconds until this session may ask for another code (the identifier's own cooldown may be longer). */
  resendAfter: number;
  /** `failed` when the mail of the latest code could not be delivered; `sent` otherwise. */
  delivery: 'sent' | 'failed';
}

/** Completes and re-sends the session's pending challenge (POST /verify, POST /verify/resend). */
@Injectable()
export class ChallengeService {
  constructor(
    @Inject(AUTH_MODULE_OPTIONS) protected readonly options: AuthModuleOptions,
    protected readonly users: UserStore,
    protected readonly otp: OtpService,
    protected readonly throttle: OtpThrottleService,
    protected readonly sessions: SessionService,
    protected readonly delivery: CodeDeliveryService,
  ) {}

  /** The live pending challenge of this session, or null (and the session forgets a dead one). */
  async pending(req: Request): Promise<PendingView | null> {
    const s = this.sessions.require(req);
    if (!s.pending) return null;
    const ch = await this.otp.find(s.pending.id);
    if (!ch) {
      await this.forget(req);
      return null;
    }
    return {
      email: ch.identifier,
      expiresAt: new Date(ch.expiresAt).toISOString(),
      expiresAtMs: ch.expiresAt,
      attemptsRemaining: ch.attemptsRemaining,
      codeLength: this.otp.codeLength,
      resendAfter: Math.max(
        0,
        Math.ceil(((s.pending.sentAt ?? 0) + this.throttle.resendAfterSeconds * 1000 - Date.now()) / 1000),
      ),
      delivery: ch.undelivered ? 'failed' : 'sent',
    };
  }

  /**
   * Checks the code; on success the session moves to a new id and is signed in.
   * @returns where to go next.
   * @throws ValidationFailedError, ChallengeExpiredError, IdentifierLockedError, InvalidCodeError
   */
  async verify(req: Request, code: string): Promise<string> {
    if (code.length !== this.otp.codeLength) {
      throw new ValidationFailedError([{ field: 'code', problems: [`code must be ${this.otp.codeLength} digits`] }]);
    }
    const s = this.sessions.require(req);
    const p = s.pending;
    if (!p) throw new ChallengeExpiredError();
    let challenge: Challenge;
    try {
      challenge = await this.otp.verify(p.id, p.identifier, p.purpose as Challenge['purpose'], code);
    } catch (err) {
      if (err instanceof ChallengeExpiredError) await this.forget(req);
      throw err;
    }
    await this.completeAccount(challenge);
    const amr = [...new Set([...p.amr, 'otp'])];
    const next = s.returnTo ?? '/home';
    await this.sessions.rotate(req, {
      user: { email: challenge.identifier, aal: amr.length >= 2 ? 2 : 1, amr, authTime: Date.now() },
    });
    return next;
  }

  /**
   * A new code for the pending challenge: same attempts, same deadline.
   * @throws ChallengeExpiredError, SendRateLimitedError
   */
  async resend(req: Request): Promise<{ status: 'code_sent'; resendAfter: number }> {
    const s = this.sessions.require(req);
    const p: PendingChallenge | undefined = s.pending;
    if (!p) throw new ChallengeExpiredError();
    const challenge = await this.otp.find(p.id);
    if (!challenge) {
      await this.forget(req);
      throw new ChallengeExpiredError();
    }
    await this.throttle.reserveSend(p.identifier);
    const { code } = await this.otp.reissue(challenge, isDecoy(challenge));
    this.delivery.deliver(challenge, code, req);
    p.sentAt = Date.now();
    await this.sessions.save(req);
    return { status: 'code_sent', resendAfter: this.throttle.resendAfterSeconds };
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
    if (!(await this.users.findByEmail(challenge.identifier))) throw new UnauthenticatedError();
  }

  protected async forget(req: Request): Promise<void> {
    delete req.session.pending;
    await this.sessions.save(req);
  }
}
