/** Events of the account pages (through `@nestjs/event-emitter`); payload `{ email }`. */
export const AccountEvents = {
  TotpEnabled: 'account.totp_enabled',
  TotpDisabled: 'account.totp_disabled',
  RecoveryCodesCreated: 'account.recovery_codes_created',
  /** Sessions were ended from the session list (payload `{ email, count }`). */
  SessionRevoked: 'account.session_revoked',
  /** "This wasn't me": every session ended, every trusted browser forgotten (payload `{ email, event }`). */
  NotMe: 'account.not_me',
} as const;
