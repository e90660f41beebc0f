/** A rendered mail, ready for any transport. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * An opaque reference reported back in the `mail.undeliverable` event (e.g. `challenge:<id>`);
   * never sent to the recipient, never logged.
   */
  tag?: string;
  /** A stable `Message-ID` (`<...@host>`): the same for every retry of one mail. */
  messageId?: string;
  /** Extra headers, e.g. `Auto-Submitted: auto-generated` (RFC 3834). */
  headers?: Record<string, string>;
}

/**
 * A mail waiting for delivery, as a {@link MailQueue} stores it: a template to render when it is
 * sent (what `MailService` queues), or a message already rendered (what `MailDispatcher.dispatch`
 * takes from a host app). It holds what the mail needs and nothing else, but that includes the
 * code of a code mail: a stored job is as sensitive as the mail itself.
 */
export type MailJob = TemplateMailJob | RenderedMailJob;

/** A mail rendered from `views/emails/<template>.*` by whoever delivers it (the worker). */
export interface TemplateMailJob {
  template: string;
  to: string;
  /** The template's data (for `code`: `code`, `purpose`, `expiresAt`, `link`). */
  context: Record<string, unknown>;
  /** Language of the mail; default the default locale. */
  locale?: string;
  /** See {@link MailMessage.tag}. */
  tag?: string;
  /** See {@link MailMessage.messageId}. */
  messageId?: string;
  /**
   * Idempotency key: while a job with this key is queued, another one with the same key is not
   * added (e.g. a challenge's tag and its send number). Unset: every job is new.
   */
  key?: string;
}

/** A mail rendered before it was queued. */
export interface RenderedMailJob {
  message: MailMessage;
  /** See {@link TemplateMailJob.key}. */
  key?: string;
}

/** What is kept of a job that failed for good: who it was for and why, never its content. */
export interface RedactedMailJob {
  redacted: true;
  to: string;
  tag?: string;
  template?: string;
  /** The mail's language: a mail sent again for the same purpose (an operator's retry) speaks it too. */
  locale?: string;
}
