import { Inject, Injectable } from '@nestjs/common';
import { ViewRenderer } from '../view/index.js';
import { MailDispatcher } from './mail.dispatcher.js';
import { MAIL_MODULE_OPTIONS, type MailModuleOptions } from './mail.module-definition.js';

/** Data of the code mail. */
export interface CodeMail {
  to: string;
  code: string;
  purpose: string;
  expiresAt: number;
}

/**
 * Renders the product's mails from `views/emails/<name>.html.hbs` and `.text.hbs`
 * and hands them to the dispatcher.
 */
@Injectable()
export class MailService {
  constructor(
    protected readonly views: ViewRenderer,
    protected readonly dispatcher: MailDispatcher,
    @Inject(MAIL_MODULE_OPTIONS) protected readonly options: MailModuleOptions,
  ) {}

  /** Queues the one-time code mail. */
  sendCode(mail: CodeMail): void {
    const minutes = Math.max(1, Math.round((mail.expiresAt - Date.now()) / 60_000));
    this.send('code', mail.to, {
      code: mail.code,
      purpose: mail.purpose,
      signUp: mail.purpose === 'sign-up',
      minutes,
      expiresAt: new Date(mail.expiresAt).toUTCString(),
    });
  }

  /** Queues the notice sent when someone tries to register an address that already has an account. */
  sendAccountExists(to: string): void {
    this.send('account-exists', to, {});
  }

  /** Renders `views/emails/<template>.{html,text}.hbs` and queues the result. */
  send(template: string, to: string, context: Record<string, unknown>): void {
    const data = {
      ...context,
      email: to,
      appUrl: this.options.appUrl,
      productName: this.options.productName ?? 'Sign-in',
    };
    const subject = this.views.render(`emails/${template}.subject`, data).trim();
    this.dispatcher.dispatch({
      to,
      subject,
      html: this.views.render(`emails/${template}.html`, { ...data, subject }, 'layouts/email'),
      text: this.views.render(`emails/${template}.text`, data),
    });
  }
}
