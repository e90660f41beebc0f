/**
 * Events of the account pages (through `@nestjs/event-emitter`). They never carry a code, a secret,
 * a token or a session id.
 */
export const AccountEvents = {
  /** An authenticator app was added: {@link AccountEvent}. */
  TotpEnabled: 'account.totp_enabled',
  /** The authenticator app was removed: {@link AccountEvent}. */
  TotpDisabled: 'account.totp_disabled',
  /** New recovery codes replaced the old ones: {@link AccountEvent}. */
  RecoveryCodesCreated: 'account.recovery_codes_created',
  /** Sessions were ended, or a trusted browser forgotten, from the session list: {@link SessionRevokedEvent}. */
  SessionRevoked: 'account.session_revoked',
  /** "This wasn't me": every session ended, every trusted browser forgotten: {@link NotMeEvent}. */
  NotMe: 'account.not_me',
} as const;

/** Payload of {@link AccountEvents.TotpEnabled}, {@link AccountEvents.TotpDisabled} and {@link AccountEvents.RecoveryCodesCreated}. */
export interface AccountEvent {
  email: string;
}

/** Payload of {@link AccountEvents.SessionRevoked}. */
export interface SessionRevokedEvent {
  email: string;
  /** What ended: signed-in sessions, or one trusted browser forgotten (`remembered` or `known`). */
  kind: 'session' | 'remembered' | 'known';
  /** How many (a forgotten browser: 1). */
  count: number;
}

/** Payload of {@link AccountEvents.NotMe}. */
export interface NotMeEvent {
  email: string;
  /** The notice whose link was used (e.g. `newSignIn`). */
  event: string;
}
