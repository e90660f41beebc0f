import type { MailMessage } from './mail.types.js';

/**
 * Transport port. Defaults: {@link SmtpMailSender} (through `@nestjs-modules/mailer`) when SMTP is
 * configured, {@link OutboxMailSender} in development otherwise. Swap it with
 * `MailModule.forRoot({ sender: MySesSender })` or `overrideProvider(MailSender)`.
 */
export abstract class MailSender {
  /**
   * Delivers one message; rejects when the transport fails. Reject with a permanent
   * `MailDeliveryError` for a refusal no retry can fix; anything else is retried.
   */
  abstract send(message: MailMessage): Promise<void>;
  /** True when the transport can take mail now (readiness). */
  abstract isReady(): Promise<boolean>;
}
