/** Event names the mail feature emits (through `@nestjs/event-emitter`, when the app has it). */
export const MailEvents = {
  /** A mail was given up on: {@link MailUndeliverableEvent}. */
  Undeliverable: 'mail.undeliverable',
} as const;

/**
 * A mail that will not arrive: a permanent refusal on the first try, or temporary failures past
 * the last retry. Carries the message's `tag` (never its content) so its sender can react, e.g.
 * mark the challenge whose code it held as undelivered.
 */
export interface MailUndeliverableEvent {
  to: string;
  /** The `tag` of the message, when it had one. */
  tag?: string;
  /** True when the transport refused it for good (an SMTP 5xx). */
  permanent: boolean;
  /** Attempts made. */
  attempts: number;
}
