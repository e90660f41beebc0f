/**
 * Events of the passkeys (through `@nestjs/event-emitter`): a passkey added or removed. Payload
 * {@link PasskeyEvent}; never a key.
 */
export const PasskeyEvents = {
  Added: 'passkey.added',
  Removed: 'passkey.removed',
} as const;

/** Payload of {@link PasskeyEvents}. */
export interface PasskeyEvent {
  email: string;
  /** The credential id (base64url; public: browsers are given it in request options). */
  id: string;
  /** The passkey's name. */
  name: string;
  /** The browser and network that made the change. */
  device?: string;
  ip?: string;
  /** The reader's languages, best first (for the notice mail). */
  locales: readonly string[];
}
