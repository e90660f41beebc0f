import { Test } from '@nestjs/testing';
import { MailerModule } from '@nestjs-modules/mailer';
import { TestSmtpServer } from '../../test/support/smtp.js';
import { TestOutbox } from '../testing/test-outbox.js';
import { mailSenderContract } from './mail-sender.contract.js';
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
