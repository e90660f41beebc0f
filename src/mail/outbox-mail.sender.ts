import { Injectable, Logger } from '@nestjs/common';
import { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';

/** A mail kept by the development outbox. */
export interface OutboxEntry extends MailMessage {
  sentAt: string;
}

/**
 * Development-only {@link MailSender}: keeps the latest mails in memory for `GET /dev/outbox`.
 * Logs the recipient and subject, never the body (it holds the code).
 */
@Injectable()
export class OutboxMailSender extends MailSender {
  static readonly capacity = 50;
  private readonly logger = new Logger('Outbox');
  private readonly entries: OutboxEntry[] = [];

  async send(message: MailMessage): Promise<void> {
    this.entries.unshift({ ...message, sentAt: new Date().toISOString() });
    this.entries.length = Math.min(this.entries.length, OutboxMailSender.capacity);
    // Recipient only: with MAIL_CODE_IN_SUBJECT the subject holds the code.
    this.logger.log(`A mail to ${message.to} is in the outbox: GET /dev/outbox`);
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  /** Newest first. */
  list(): OutboxEntry[] {
    return [...this.entries];
  }
}
