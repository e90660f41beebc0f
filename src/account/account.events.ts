/** Events of the account pages (through `@nestjs/event-emitter`); payload `{ email }`. */
export const AccountEvents = {
  TotpEnabled: 'account.totp.enabled',
  TotpDisabled: 'account.totp.disabled',
  RecoveryCodesCreated: 'account.recovery_codes.created',
} as const;
