import { Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { MailDispatcher } from './mail.dispatcher.js';
import { ConfigurableModuleClass, MAIL_MODULE_OPTIONS, type MailModuleOptions } from './mail.module-definition.js';
import { MailSender } from './mail-sender.js';
import { MailService } from './mail.service.js';
import { OutboxMailSender } from './outbox-mail.sender.js';
import { SmtpMailSender } from './smtp-mail.sender.js';

/**
 * Product mails: templates, delivery after the answer, and a swappable {@link MailSender}.
 * With `transport: 'smtp'` the host app must import `MailerModule` (see `AppModule`).
 */
@Module({
  providers: [
    MailDispatcher,
    MailService,
    {
      provide: MailSender,
      useFactory: (o: MailModuleOptions, moduleRef: ModuleRef) =>
        moduleRef.create(o.sender ?? (o.transport === 'smtp' ? SmtpMailSender : OutboxMailSender)),
      inject: [MAIL_MODULE_OPTIONS, ModuleRef],
    },
  ],
  exports: [MailService, MailSender, MailDispatcher, MAIL_MODULE_OPTIONS],
})
export class MailModule extends ConfigurableModuleClass {}
