import { Test } from '@nestjs/testing';
import { MailerModule } from '@nestjs-modules/mailer';
import { describe, expect, it } from 'vitest';
import { TestSmtpServer } from '../../test/support/smtp.js';
import { TestOutbox } from '../testing/test-outbox.js';
import { expectDeliveredOnce, mailSenderContract, SETTLE_MS } from './mail-sender.contract.js';
import { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';
import { smtpTransport } from './mail-transport.js';
import { OutboxMailSender } from './outbox-mail.sender.js';
import { SmtpMailSender } from './smtp-mail.sender.js';

mailSenderContract('SmtpMailSender (a real SMTP server)', async () => {
  const smtp = new TestSmtpServer();
  await smtp.start();
  const module = await Test.createTestingModule({
    imports: [
      MailerModule.forRoot({
        transport: smtpTransport(smtp.url),
        defaults: { from: 'Test <t@example.test>' } as object,
      }),
    ],
    providers: [SmtpMailSender],
  }).compile();
  return {
    sender: module.get(SmtpMailSender),
    delivered: (to) => smtp.mailsTo(to).map((m) => ({ to, subject: m.subject, text: m.text, html: m.html })),
    refuse: (to) => smtp.refuse(to, [550]),
    async cleanup() {
      await module.close();
      await smtp.stop();
    },
  };
});

mailSenderContract('OutboxMailSender', async () => {
  const sender = new OutboxMailSender();
  return { sender, delivered: (to) => sender.list().filter((m) => m.to === to) };
});

mailSenderContract('TestOutbox (testing kit)', async () => {
  const sender = new TestOutbox();
  return { sender, delivered: (to) => sender.to(to) };
});

/** A sender that delivers every message twice: the second copy `lateMs` after the first. */
class DuplicatingSender extends MailSender {
  readonly mails: MailMessage[] = [];

  constructor(private readonly lateMs: number) {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    this.mails.push(message);
    setTimeout(() => this.mails.push(message), this.lateMs);
  }

  async isReady(): Promise<boolean> {
    return true;
  }
}

describe('MailSender contract: its "delivers a message once" check', () => {
  it('fails for a sender whose duplicate arrives after the first delivery, within the settle time', async () => {
    const sender = new DuplicatingSender(SETTLE_MS / 2);
    const check = expectDeliveredOnce({ sender, delivered: (to) => sender.mails.filter((m) => m.to === to) });
    await expect(check).rejects.toThrow(/to have a length of 1 but got 2/);
  });
});
