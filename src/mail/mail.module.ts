import { Module } from '@nestjs/common';
import { MailDelivery } from './mail.delivery.js';
import { MailDispatcher } from './mail.dispatcher.js';
import { ConfigurableModuleClass, MAIL_MODULE_OPTIONS } from './mail.module-definition.js';
import { mailProviders } from './mail.providers.js';
import { MailQueue } from './mail-queue.js';
import { MailRenderer } from './mail.renderer.js';
import { MailSender } from './mail-sender.js';
import { MailService } from './mail.service.js';
import { MailWorker } from './mail.worker.js';

/**
 * Product mails: templates, a swappable {@link MailSender}, and a {@link MailQueue} the answer
 * never waits on for SMTP: in process by default, a durable BullMQ queue in Redis with
 * `queue: { url }` (then a {@link MailWorker} delivers, here or in `node dist/worker.js`).
 * With `transport: 'smtp'` the host app must import `MailerModule` (see `AppModule`); with a
 * durable queue it applies {@link MailHandoffMiddleware}, so each answer waits for its jobs to be
 * stored.
 */
@Module({
  providers: [...mailProviders, MailRenderer, MailDelivery, MailDispatcher, MailService, MailWorker],
  exports: [MailService, MailSender, MailDispatcher, MailQueue, MailRenderer, MailWorker, MAIL_MODULE_OPTIONS],
})
export class MailModule extends ConfigurableModuleClass {}
