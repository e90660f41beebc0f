import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ViewRenderer } from '../view/index.js';
import { MailDispatcher } from './mail.dispatcher.js';
import { MAIL_MODULE_OPTIONS, type MailModuleOptions } from './mail.module-definition.js';
import { type CodeMailContext, MailRenderer } from './mail.renderer.js';
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
 * The product's mails (`views/emails/<name>.{subject,html,text}.hbs`): queues each one with the
 * template's data; it is rendered when it is delivered (by the worker, with a durable queue), so
 * rendering stays out of the request and out of the server when the worker runs on its own.
 */
@Injectable()
export class MailService {
  protected readonly renderer: MailRenderer;

  constructor(
    protected readonly views: ViewRenderer,
    protected readonly dispatcher: MailDispatcher,
    @Inject(MAIL_MODULE_OPTIONS) protected readonly options: MailModuleOptions,
  ) {
    this.renderer = new MailRenderer(views, options);
  }

  /**
   * Queues the one-time code mail. Its job holds the code and the link (nothing else of the
   * challenge); with a tag and a send number it has an idempotency key and a stable `Message-ID`.
   */
  sendCode(mail: CodeMail): void {
    const link =
      mail.linkToken && this.options.link !== false
        ? `${this.options.appUrl}/verify/link?t=${encodeURIComponent(mail.linkToken)}`
        : undefined;
    const key = mail.tag && mail.send ? `${mail.tag}.${mail.send}` : undefined;
    this.dispatcher.dispatchTemplate({
      template: 'code',
      to: mail.to,
      context: {
        code: mail.code,
        purpose: mail.purpose,
        expiresAt: mail.expiresAt,
        ...(link ? { link } : {}),
      } satisfies CodeMailContext,
      ...(mail.locale ? { locale: mail.locale } : {}),
      ...(mail.tag ? { tag: mail.tag } : {}),
      ...(key ? { key, messageId: this.messageId(key) } : {}),
    });
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
    this.send('security-notice', to, { kind, ...rest, ...(notMe ? { notMe } : {}) }, locale);
  }

  /** Renders a mail without sending it (previews and tests). */
  render(template: string, to: string, context: Record<string, unknown>, locale?: string): MailMessage {
    return this.renderer.render(template, to, context, locale);
  }

  /** A `Message-ID` on the app's host, from a unique and stable key. */
  protected messageId(key: string): string {
    const host = new URL(this.options.appUrl).hostname || 'localhost';
    return `<${key.replace(/[^\w.-]/g, '-')}@${host}>`;
  }

  /** The template data of the code mail. */
  codeContext(mail: Pick<CodeMail, 'code' | 'purpose' | 'expiresAt'>): Record<string, unknown> {
    return this.renderer.codeContext(mail);
  }

  /**
   * Queues `views/emails/<template>.{subject,html,text}.hbs` for `to`, with `context` (plain JSON
   * data: it is stored with the job).
   */
  send(template: string, to: string, context: Record<string, unknown>, locale?: string, tag?: string): void {
    // A key made once, here: the job's id and the mail's Message-ID stay the same over its retries,
    // so a mail delivered twice (at least once) is one message to the reader's client.
    const key = `${template}.${randomUUID()}`;
    this.dispatcher.dispatchTemplate({
      template,
      to,
      context,
      ...(locale ? { locale } : {}),
      ...(tag ? { tag } : {}),
      key,
      messageId: this.messageId(key),
    });
  }
}
