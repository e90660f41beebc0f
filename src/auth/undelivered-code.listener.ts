import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { MailEvents, type MailUndeliverableEvent } from '../mail/index.js';
import { OtpService } from '../otp/index.js';
import { challengeOfTag } from './email-code.service.js';

/**
 * Marks a challenge whose mail will not arrive, so the code page can say so and offer another
 * address. The mark is the same for a code and for a decoy's notice mail: the page tells nothing
 * about whether an account exists.
 */
@Injectable()
export class UndeliveredCodeListener {
  private readonly logger = new Logger('CodeDelivery');

  constructor(protected readonly otp: OtpService) {}

  @OnEvent(MailEvents.Undeliverable, { async: true, promisify: true, suppressErrors: true })
  async onUndeliverable(event: MailUndeliverableEvent): Promise<void> {
    const id = challengeOfTag(event.tag);
    if (!id) return;
    try {
      await this.otp.markUndelivered(id);
    } catch (err) {
      this.logger.warn(`Could not mark a challenge undelivered: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
