/**
 * The time, as an injectable port: the sign-in flow stamps `authTime` and checks freshness
 * (`@FreshAuth`) with it, and the TOTP factor reads its time step from it, so tests and host apps
 * can move time (`overrideProvider(Clock)`, or `SettableClock` from the testing entry).
 */
export abstract class Clock {
  /** Epoch milliseconds. */
  abstract now(): number;
}

/** The system clock (`Date.now()`). */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
