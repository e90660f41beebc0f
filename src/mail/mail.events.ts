/** Event names the mail feature emits (through `@nestjs/event-emitter`, when the app has it). */
export const MailEvents = {
  /** A mail was handed to the queue (`MailDispatcher`): {@link MailQueuedEvent}. */
  Queued: 'mail.queued',
  /** The transport accepted a mail: {@link MailSentEvent}. */
  Sent: 'mail.sent',
  /** An attempt failed for a temporary reason; the mail will be tried again: {@link MailRetryingEvent}. */
  Retrying: 'mail.retrying',
  /** A mail was not sent, without any attempt: {@link MailDroppedEvent}. */
  Dropped: 'mail.dropped',
  /** A mail was given up on: {@link MailUndeliverableEvent}. */
  Undeliverable: 'mail.undeliverable',
} as const;

/** Payload of {@link MailEvents.Queued}. */
export interface MailQueuedEvent {
  /** Its template (`code`, `security-notice`, ...), or absent for a mail rendered before it was queued. */
  template?: string;
}

/** Payload of {@link MailEvents.Sent}. */
export interface MailSentEvent {
  to: string;
  /** The `tag` of the message, when it had one. */
  tag?: string;
}

/** Payload of {@link MailEvents.Retrying}. */
export interface MailRetryingEvent {
  to: string;
  /** The attempt that failed (1 for the first). */
  attempt: number;
}

/**
 * Payload of {@link MailEvents.Dropped}: `expired` (a code mail whose code expired before a worker
 * got to it) or `unrenderable` (its template could not be rendered: a bug, never retried).
 */
export interface MailDroppedEvent {
  to?: string;
  reason: 'expired' | 'unrenderable';
}

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
