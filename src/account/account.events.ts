/** Events of the account pages (through `@nestjs/event-emitter`); payload `{ email }`. */
export const AccountEvents = {
  TotpEnabled: 'account.totp_enabled',
  TotpDisabled: 'account.totp_disabled',
  RecoveryCodesCreated: 'account.recovery_codes_created',
  /** Sessions were ended from the session list (payload `{ email, count }`). */
  SessionRevoked: 'account.session_revoked',
} as const;
