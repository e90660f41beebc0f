/** Events of the password feature (payload {@link PasswordEvent}; never a password). */
export const PasswordEvents = {
  Reset: 'password.reset',
  Changed: 'password.changed',
} as const;

/** Payload of {@link PasswordEvents}. */
export interface PasswordEvent {
  email: string;
  /** The reader's languages, best first (for the notice mail). */
  locales: readonly string[];
  /** The browser that did it (readable) and its network. */
  device: string;
  ip: string;
  /** Sessions of the account it ended (a reset: all of them; a change: all but the one that made it). */
  sessionsEnded: number;
}
