import { Injectable } from '@nestjs/common';
import { MailerService } from '@nestjs-modules/mailer';
import { MailDeliveryError } from './mail.errors.js';
import { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';

/** {@link MailSender} over the pooled SMTP transport of `@nestjs-modules/mailer`. */
@Injectable()
export class SmtpMailSender extends MailSender {
  private verified?: { ok: boolean; at: number };

  constructor(protected readonly mailer: MailerService) {
    super();
  }

  /** @throws MailDeliveryError, permanent for an SMTP 5xx reply, temporary otherwise. */
  async send(message: MailMessage): Promise<void> {
    try {
      await this.mailer.sendMail({
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.messageId ? { messageId: message.messageId } : {}),
        ...(message.headers ? { headers: message.headers } : {}),
      });
    } catch (err) {
      // nodemailer puts the server's reply code on the error (a refused RCPT is EENVELOPE + 550).
      const code = (err as { responseCode?: unknown }).responseCode;
      const permanent = typeof code === 'number' && code >= 500 && code < 600;
      throw new MailDeliveryError(err instanceof Error ? err.message : String(err), permanent, { cause: err });
    }
  }

  /** Verifies the transport at most every 15 s, so frequent probes do not hammer the SMTP server. */
  async isReady(): Promise<boolean> {
    if (this.verified && Date.now() - this.verified.at < 15_000) return this.verified.ok;
    const ok = await this.mailer.verifyAllTransporters().catch(() => false);
    this.verified = { ok, at: Date.now() };
    return ok;
  }
}
