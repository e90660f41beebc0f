import { Inject, Injectable } from '@nestjs/common';
import { ViewRenderer } from '../view/index.js';
import { MAIL_MODULE_OPTIONS, type MailModuleOptions } from './mail.module-definition.js';
import type { MailJob, MailMessage } from './mail.types.js';

/** The data of the code mail before rendering (what its job carries). */
export interface CodeMailContext {
  code: string;
  purpose: string;
  /** ms epoch at which the code stops working. */
  expiresAt: number;
  /** The same-browser sign-in link, when the mail has one. */
  link?: string;
}

/**
 * Renders mails from `views/emails/<name>.{subject,html,text}.hbs`: for `MailService` (previews)
 * and for whoever delivers a queued job (the in-process queue, or the worker), so a mail is
 * rendered when it is sent, outside the request that asked for it. Swap it with
 * `overrideProvider(MailRenderer)`.
 */
@Injectable()
export class MailRenderer {
  constructor(
    protected readonly views: ViewRenderer,
    @Inject(MAIL_MODULE_OPTIONS) protected readonly options: MailModuleOptions,
  ) {}

  /** The message of a queued job: a rendered job as it is, a template job rendered now. */
  build(job: MailJob): MailMessage {
    if ('message' in job) return job.message;
    const context = job.template === 'code' ? this.codeData(job.context as unknown as CodeMailContext) : job.context;
    return {
      ...this.render(job.template, job.to, context, job.locale),
      ...(job.tag ? { tag: job.tag } : {}),
      ...(job.messageId ? { messageId: job.messageId } : {}),
    };
  }

  /** Renders one template for one recipient. */
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

  /** The template data of the code mail (the minutes left are counted when it is rendered). */
  codeContext(mail: Pick<CodeMailContext, 'code' | 'purpose' | 'expiresAt'>): Record<string, unknown> {
    return {
      code: mail.code,
      purpose: mail.purpose,
      signUp: mail.purpose === 'sign-up',
      reset: mail.purpose === 'password-reset',
      minutes: Math.max(1, Math.round((mail.expiresAt - Date.now()) / 60_000)),
      expiresAt: mail.expiresAt,
    };
  }

  protected codeData(mail: CodeMailContext): Record<string, unknown> {
    return { ...this.codeContext(mail), link: mail.link };
  }
}
