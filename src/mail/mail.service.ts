import { Inject, Injectable } from '@nestjs/common';
import { ViewRenderer } from '../view/index.js';
import { MailDispatcher } from './mail.dispatcher.js';
import { MAIL_MODULE_OPTIONS, type MailModuleOptions } from './mail.module-definition.js';
import type { MailMessage } from './mail.types.js';

/** Data of the code mail. */
export interface CodeMail {
  to: string;
  code: string;
  purpose: string;
  expiresAt: number;
  /** Language of the mail (from the request that asked for it); default the default locale. */
  locale?: string;
  /** Reported back if the mail cannot be delivered (see `MailMessage.tag`). */
  tag?: string;
  /** The sign-in link's token (`GET /verify/link?t=`); no link without it or with `link: false`. */
  linkToken?: string;
  /** Which send of its challenge this is: with the tag, a stable `Message-ID`. */
  send?: number;
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
    const link =
      mail.linkToken && this.options.link !== false
        ? `${this.options.appUrl}/verify/link?t=${encodeURIComponent(mail.linkToken)}`
        : undefined;
    const id = mail.tag && mail.send ? this.messageId(`${mail.tag}.${mail.send}`) : undefined;
    this.dispatcher.dispatch(() => ({
      ...this.render('code', mail.to, { ...this.codeContext(mail), link }, mail.locale),
      ...(mail.tag ? { tag: mail.tag } : {}),
      ...(id ? { messageId: id } : {}),
    }));
  }

  /** Queues the notice sent when someone tries to register an address that already has an account. */
  sendAccountExists(to: string, locale?: string, tag?: string): void {
    this.send('account-exists', to, {}, locale, tag);
  }

  /**
   * Queues a security notice (`views/emails/security-notice.*`): `kind` picks its text from the
   * `mail.notice.<kind>.*` messages (e.g. `totpEnabled`); `count` fills `{count}`.
   */
  sendNotice(
    to: string,
    kind: string,
    locale?: string,
    extra: { count?: number; at?: number; device?: string; ip?: string; notMeToken?: string } = {},
  ): void {
    const { notMeToken, ...rest } = extra;
    const notMe = notMeToken ? `${this.options.appUrl}/account/not-me?t=${encodeURIComponent(notMeToken)}` : undefined;
    this.send('security-notice', to, { kind, ...rest, notMe }, locale);
  }

  /** Renders a mail without sending it (previews and tests). */
  render(template: string, to: string, context: Record<string, unknown>, locale?: string): MailMessage {
    const data = {
      ...context,
      locale: this.views.i18n.resolve(locale) ?? this.views.i18n.defaultLocale,
      email: to,
      appUrl: this.options.appUrl,
      product: this.options.productName ?? 'Sign-in',
      codeInSubject: this.options.codeInSubject ?? false,
    };
    const subject = this.views.render(`emails/${template}.subject`, data).trim();
    return {
      to,
      subject,
      html: this.views.render(`emails/${template}.html`, { ...data, subject }, 'layouts/email'),
      text: this.views.render(`emails/${template}.text`, data),
      // Not a person writing: auto-replies and vacation notices stay quiet (RFC 3834).
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    };
  }

  /** A `Message-ID` on the app's host, from a unique and stable key. */
  protected messageId(key: string): string {
    const host = new URL(this.options.appUrl).hostname || 'localhost';
    return `<${key.replace(/[^\w.-]/g, '-')}@${host}>`;
  }

  /** The template data of the code mail. */
  codeContext(mail: Pick<CodeMail, 'code' | 'purpose' | 'expiresAt'>): Record<string, unknown> {
    return {
      code: mail.code,
      purpose: mail.purpose,
      signUp: mail.purpose === 'sign-up',
      reset: mail.purpose === 'password-reset',
      minutes: Math.max(1, Math.round((mail.expiresAt - Date.now()) / 60_000)),
      expiresAt: mail.expiresAt,
    };
  }

  /** Renders `views/emails/<template>.{subject,html,text}.hbs` and queues the result. */
  send(template: string, to: string, context: Record<string, unknown>, locale?: string, tag?: string): void {
    this.dispatcher.dispatch(() => ({ ...this.render(template, to, context, locale), ...(tag ? { tag } : {}) }));
  }
}
