import { Injectable } from '@nestjs/common';
import { MailerService } from '@nestjs-modules/mailer';
import { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';

/** {@link MailSender} over the pooled SMTP transport of `@nestjs-modules/mailer`. */
@Injectable()
export class SmtpMailSender extends MailSender {
  private verified?: { ok: boolean; at: number };

  constructor(protected readonly mailer: MailerService) {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    await this.mailer.sendMail({ to: message.to, subject: message.subject, text: message.text, html: message.html });
  }

  /** Verifies the transport at most every 15 s, so frequent probes do not hammer the SMTP server. */
  async isReady(): Promise<boolean> {
    if (this.verified && Date.now() - this.verified.at < 15_000) return this.verified.ok;
    const ok = await this.mailer.verifyAllTransporters().catch(() => false);
    this.verified = { ok, at: Date.now() };
    return ok;
  }
}
