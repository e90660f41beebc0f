import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationFailedError } from '../http/index.js';
import { OtpService, OtpThrottleService, type StartChallenge } from '../otp/index.js';
import { SessionService } from '../session/index.js';
import { InvalidCredentialsError, SignupClosedError } from './auth.errors.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { CodeDeliveryService, DECOY } from './code-delivery.service.js';
import { PasswordService } from './password.service.js';
import { UserStore } from './users/user-store.js';

/** The answer to a started challenge. */
export interface CodeSent {
  status: 'code_sent';
  next: '/verify';
  expiresAt: string;
  resendAfter: number;
}

/**
 * Starts sign-in and sign-up challenges (POST /auth, POST /register). Every path costs the
 * same work and gives the same answer whether or not the account exists.
 */
@Injectable()
export class SignInService {
  constructor(
    @Inject(AUTH_MODULE_OPTIONS) protected readonly options: AuthModuleOptions,
    protected readonly users: UserStore,
    protected readonly passwords: PasswordService,
    protected readonly otp: OtpService,
    protected readonly throttle: OtpThrottleService,
    protected readonly delivery: CodeDeliveryService,
    protected readonly sessions: SessionService,
  ) {}

  /**
   * POST /auth. Order: (validation by the pipe) lock, password, cooldown and caps, then the code.
   * @throws IdentifierLockedError, InvalidCredentialsError, SendRateLimitedError, StoreUnavailableError
   */
  async start(req: Request, email: string, password?: string): Promise<CodeSent> {
    this.sessions.require(req);
    if (this.options.firstFactor === 'password') {
      if (password === undefined)
        throw new ValidationFailedError([{ field: 'password', problems: ['password is required'] }]);
      await this.throttle.assertNotLocked(email);
      const user = await this.users.findByEmail(email);
      if (!(await this.passwords.verify(user?.passwordHash, password)) || !user) {
        await this.throttle.recordFailure(email);
        throw new InvalidCredentialsError();
      }
      await this.throttle.reserveSend(email);
      return this.issue(req, { purpose: 'sign-in', identifier: email }, ['pwd']);
    }

    if (password !== undefined) {
      throw new ValidationFailedError([
        { field: 'password', problems: ['password is not used: sign in with the emailed code'] },
      ]);
    }
    await this.throttle.reserveSendUnlessLocked(email);
    const user = await this.users.findByEmail(email);
    if (user) return this.issue(req, { purpose: 'sign-in', identifier: email }, []);
    if (this.options.signup === 'open') return this.issue(req, { purpose: 'sign-up', identifier: email }, []);
    // Closed sign-up: a challenge that looks and counts like a real one, and no mail.
    return this.issue(req, { purpose: 'sign-in', identifier: email, decoy: true, meta: { [DECOY]: 'closed' } }, []);
  }

  /**
   * POST /register (password mode). An existing address gets the same answer and a notice mail;
   * its account is not touched.
   */
  async register(req: Request, email: string, password: string): Promise<CodeSent> {
    this.sessions.require(req);
    if (this.options.signup === 'closed') throw new SignupClosedError();
    await this.throttle.reserveSendUnlessLocked(email);
    // Hash first in every case: the existing-account path must cost the same.
    const passwordHash = await this.passwords.hash(password);
    const existing = await this.users.findByEmail(email);
    if (existing) {
      return this.issue(req, { purpose: 'sign-up', identifier: email, decoy: true, meta: { [DECOY]: 'exists' } }, [
        'pwd',
      ]);
    }
    return this.issue(req, { purpose: 'sign-up', identifier: email, meta: { ph: passwordHash } }, ['pwd']);
  }

  /** Starts the challenge, moves the session to a new id that waits on it, and queues the mail. */
  protected async issue(req: Request, input: StartChallenge, amr: string[]): Promise<CodeSent> {
    const { challenge, code } = await this.otp.start(input);
    const returnTo = req.session.returnTo;
    await this.sessions.rotate(req, {
      pending: {
        id: challenge.id,
        purpose: challenge.purpose,
        identifier: challenge.identifier,
        amr,
        sentAt: Date.now(),
      },
      ...(returnTo ? { returnTo } : {}),
    });
    this.delivery.deliver(challenge, code, req);
    return {
      status: 'code_sent',
      next: '/verify',
      expiresAt: new Date(challenge.expiresAt).toISOString(),
      resendAfter: this.throttle.resendAfterSeconds,
    };
  }
}
