import { Injectable } from '@nestjs/common';
import { MailSender, type MailMessage } from '../mail/index.js';

/**
 * A {@link MailSender} for a host app's tests: keeps every mail in memory and hands out codes.
 * Plug it in with `MailModule.forRoot({ transport: 'outbox', sender: TestOutbox, ... })`, or
 * `overrideProvider(MailSender).useValue(new TestOutbox())`.
 */
@Injectable()
export class TestOutbox extends MailSender {
  readonly mails: MailMessage[] = [];
  private waiters: { to: string; resolve: (m: MailMessage) => void }[] = [];
  private readonly taken = new WeakSet<MailMessage>();

  async send(message: MailMessage): Promise<void> {
    this.mails.push(message);
    const waiter = this.waiters.find((w) => w.to === message.to.toLowerCase());
    if (waiter) {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      this.taken.add(message);
      waiter.resolve(message);
    }
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  /** Every mail to `to` so far, oldest first. */
  to(to: string): MailMessage[] {
    return this.mails.filter((m) => m.to.toLowerCase() === to.toLowerCase());
  }

  /**
   * The next mail to `to` not yet returned by this method (mail goes out after the HTTP answer,
   * so this waits for it). @throws Error after `timeoutMs` (default 5000).
   */
  next(to: string, timeoutMs = 5000): Promise<MailMessage> {
    const rcpt = to.toLowerCase();
    const found = this.mails.find((m) => m.to.toLowerCase() === rcpt && !this.taken.has(m));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = { to: rcpt, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`No mail to ${to} within ${timeoutMs} ms`));
      }, timeoutMs).unref();
    });
  }

  /** The one-time code of the next mail to `to`: its first standalone group of `length` digits. */
  async codeFor(to: string, length = 6): Promise<string> {
    const mail = await this.next(to);
    const code = new RegExp(`(?<![\\w-])(\\d{${length}})(?![\\w-])`).exec(mail.text)?.[1];
    if (!code) throw new Error(`No ${length}-digit code in the mail to ${to}`);
    return code;
  }

  /** Forgets every mail. */
  clear(): void {
    this.mails.length = 0;
  }
}
