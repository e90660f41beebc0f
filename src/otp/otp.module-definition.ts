import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { Clock } from '../clock/index.js';
import type { OtpStore } from './otp-store.js';
import type { FailurePolicy, SendPolicy } from './otp.types.js';

/** Options of {@link OtpModule}. Only `secret` is required. */
export interface OtpModuleOptions {
  /** HMAC key for stored code digests, at least 32 characters. */
  secret: string;
  /** Digits in a code (default 6). */
  length?: number;
  /** Life of a challenge in seconds (default 600). */
  ttlSeconds?: number;
  /** Wrong answers a challenge takes before it is gone (default 5). */
  maxAttempts?: number;
  /** Seconds between two codes to one identifier (default 60). */
  resendSeconds?: number;
  /**
   * How many of a challenge's latest codes (and links) are accepted (default 3; 1: a resend voids
   * the previous code). All share the challenge's attempts and deadline.
   */
  validCodes?: number;
  /** Sends per window per identifier (default 5 an hour and 10 a day). */
  sendCaps?: SendPolicy['caps'];
  /** Identifier lock-out (default: locked from the 10th failure in 24 h, 15 min doubling, at most 24 h). */
  failurePolicy?: Partial<FailurePolicy>;
  /** Another {@link OtpStore} implementation; by default Redis when a client exists, else memory. */
  store?: Type<OtpStore>;
  /** Redis key prefix of the default store (default `otp:`). */
  keyPrefix?: string;
  /**
   * The time challenge deadlines are set and checked against (default: the app's `Clock` provider,
   * e.g. `AuthModule`'s, else the system clock); tests pass a `SettableClock`, and moving it past a
   * challenge's deadline expires it at once. Locks and send budgets keep real time.
   */
  clock?: Clock;
}

/** {@link OtpModuleOptions} with every default applied. */
export interface ResolvedOtpOptions {
  secret: string;
  length: number;
  ttlMs: number;
  maxAttempts: number;
  validCodes: number;
  send: SendPolicy;
  failure: FailurePolicy;
  /** `clock`, else the app's `Clock`, else the system clock. */
  clock: Clock;
}

/**
 * `OtpModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Otp`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: OTP_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<OtpModuleOptions>({ moduleName: 'Otp' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link OtpModuleOptions}), e.g. in a host app's own guard. */
export const InjectOtpOptions = () => Inject(OTP_MODULE_OPTIONS);
