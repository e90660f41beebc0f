import type { LockClient } from './otp.types.js';

/** Events of the OTP feature (through `@nestjs/event-emitter`, when the app has it). */
export const OtpEvents = {
  /** A wrong answer started (or lengthened) a lock: {@link IdentifierLockedEvent}. */
  Locked: 'otp.identifier_locked',
} as const;

/** Payload of {@link OtpEvents.Locked}: whose lock (an identifier, or `<email>#kd:<hash>` for a known device). */
export interface IdentifierLockedEvent extends LockClient {
  subject: string;
  /** Seconds the lock lasts. */
  lockSeconds: number;
}
