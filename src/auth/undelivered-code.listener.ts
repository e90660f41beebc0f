import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { MailEvents, type MailUndeliverableEvent } from '../mail/index.js';
import { type Challenge, OtpService } from '../otp/index.js';
import { InjectAuthOptions, type AuthModuleOptions } from './auth.module-definition.js';
import { challengeOfTag } from './email-code.service.js';

/**
 * Marks a challenge whose mail will not arrive, so the code page can say so and offer another
 * address. The mark is the same for a code and for a decoy's notice mail: the page tells nothing
 * about whether an account exists. Where an unknown address is mailed nothing by rule (a password
 * reset, an email-mode sign-in with sign-up closed), its decoy can never be marked, so no challenge
 * of that kind is: a mark there would tell an account from none (by a refused address, or by every
 * account at once while the mail server is down).
 */
@Injectable()
export class UndeliveredCodeListener {
  private readonly logger = new Logger('CodeDelivery');

  constructor(
    protected readonly otp: OtpService,
    @InjectAuthOptions() protected readonly options: AuthModuleOptions,
  ) {}

  @OnEvent(MailEvents.Undeliverable, { async: true, promisify: true, suppressErrors: true })
  async onUndeliverable(event: MailUndeliverableEvent): Promise<void> {
    const id = challengeOfTag(event.tag);
    if (!id) return;
    try {
      const challenge = await this.otp.find(id);
      if (challenge && this.everyAddressIsMailed(challenge)) await this.otp.markUndelivered(id);
    } catch (err) {
      this.logger.warn(`Could not mark a challenge undelivered: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** True when an unknown address gets a mail for this kind of challenge too (so marks tell nothing). */
  protected everyAddressIsMailed(challenge: Challenge): boolean {
    if (challenge.purpose === 'password-reset') return false;
    const closedEmailSignIn =
      challenge.purpose === 'sign-in' && this.options.firstFactor === 'email' && this.options.signup === 'closed';
    return !closedEmailSignIn;
  }
}
