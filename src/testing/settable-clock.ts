import { Clock } from '../clock/index.js';

/**
 * A {@link Clock} a test moves by hand, for expiry and freshness tests (`@FreshAuth`, TOTP steps):
 * `overrideProvider(Clock).useValue(clock)`, then `clock.advance(301_000)`.
 */
export class SettableClock extends Clock {
  constructor(private current = Date.now()) {
    super();
  }

  now(): number {
    return this.current;
  }

  /** Sets the time (epoch ms). */
  set(epochMs: number): void {
    this.current = epochMs;
  }

  /** Moves the time forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }
}
