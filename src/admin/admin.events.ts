/**
 * Audit events of the operator's command line (through `@nestjs/event-emitter`; two-part names,
 * so `@OnEvent('admin.*')` with a wildcard emitter hears them all). Each action emits one, and the
 * command line logs it as a line of its own. They never carry a code, a session id or a mail's
 * content.
 */
export const AdminEvents = {
  /** An identifier's lock ended and its failures forgotten: {@link AdminUnlockedEvent}. */
  Unlocked: 'admin.unlocked',
  /** Every session of an account ended: {@link AdminSessionsEndedEvent}. */
  SessionsEnded: 'admin.sessions_ended',
  /** An identifier's counters were read: {@link AdminEvent}. */
  CountersRead: 'admin.counters_read',
  /** Failed mail jobs were listed: {@link AdminMailListedEvent}. */
  MailListed: 'admin.mail_listed',
  /** Failed mail jobs were retried: {@link AdminMailRetriedEvent}. */
  MailRetried: 'admin.mail_retried',
} as const;

/** What every admin event says: who ran it (`user@host` of the process) and, for an account, which. */
export interface AdminEvent {
  operator: string;
  email?: string;
}

/** Payload of {@link AdminEvents.Unlocked}. */
export interface AdminUnlockedEvent extends AdminEvent {
  email: string;
  /** True when the identifier itself was locked. */
  wasLocked: boolean;
  /** Locks of the account's known browsers that were ended too. */
  devicesUnlocked: number;
}

/** Payload of {@link AdminEvents.SessionsEnded}. */
export interface AdminSessionsEndedEvent extends AdminEvent {
  email: string;
  sessions: number;
}

/** Payload of {@link AdminEvents.MailListed}. */
export interface AdminMailListedEvent extends AdminEvent {
  count: number;
}

/** Payload of {@link AdminEvents.MailRetried}: the job ids, by outcome. */
export interface AdminMailRetriedEvent extends AdminEvent {
  requeued: string[];
  resent: string[];
  skipped: string[];
}
