/** Events of the account pages (through `@nestjs/event-emitter`); payload `{ email }`. */
export const AccountEvents = {
  TotpEnabled: 'account.totp_enabled',
  TotpDisabled: 'account.totp_disabled',
  RecoveryCodesCreated: 'account.recovery_codes_created',
} as const;
