/** Events of the recovery-codes feature (through `@nestjs/event-emitter`, when the app has it). */
export const RecoveryCodeEvents = {
  /** A recovery code was used to sign in or step up: {@link RecoveryCodeUsedEvent}. */
  Used: 'recovery_code.used',
} as const;

/** Payload of {@link RecoveryCodeEvents.Used}; never the code. */
export interface RecoveryCodeUsedEvent {
  email: string;
  /** Codes left in the set. */
  remaining: number;
  /** The reader's languages, best first, for the notice mail. */
  locales: readonly string[];
  /** The browser and network it was used from (e.g. `Firefox on Linux`, `203.0.113.0/24`). */
  device?: string;
  ip?: string;
}
