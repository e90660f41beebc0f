import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { MailSender } from './mail-sender.js';

/** Options of {@link MailModule}. */
export interface MailModuleOptions {
  /**
   * `smtp` sends through `@nestjs-modules/mailer` (the host app configures `MailerModule`);
   * `outbox` keeps mails in memory for `GET /dev/outbox` (development only).
   */
  transport: 'smtp' | 'outbox';
  /** Public base URL used in links inside mails. */
  appUrl: string;
  /** Product name shown in subjects and bodies (default `Sign-in`). */
  productName?: string;
  /** Put the code in the subject line too (handy on phones, but visible on lock screens). Default false. */
  codeInSubject?: boolean;
  /** Put a same-browser sign-in link in code mails beside the code (default true). */
  link?: boolean;
  /** Another {@link MailSender} implementation (SES, a queue, ...). */
  sender?: Type<MailSender>;
}

/**
 * `MailModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Mail`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: MAIL_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<MailModuleOptions>({ moduleName: 'Mail' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link MailModuleOptions}), e.g. in a host app's own guard. */
export const InjectMailOptions = () => Inject(MAIL_MODULE_OPTIONS);
