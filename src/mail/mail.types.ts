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
