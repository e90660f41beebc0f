/**
 * Source of the current time in epoch milliseconds. The token for injection is the class itself:
 * tests provide `{ provide: Clock, useValue: { now: () => t } }` to control time.
 */
export abstract class Clock {
  /** Now, in milliseconds since the Unix epoch. */
  abstract now(): number;
}

/** The real clock: `Date.now()`. The default wherever no {@link Clock} is provided. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
