import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { Clock } from '../clock/index.js';
import type { FactorId } from './auth-session.js';
import type { UserStore } from './users/user-store.js';

/** Options of {@link AuthModule}. */
export interface AuthModuleOptions {
  /**
   * The first factor. `password`: the password, then the emailed code (or the account's second
   * factor when it has one). `email`: the emailed code (then the account's second factor, if any).
   */
  firstFactor: 'password' | 'email';
  /** `open`: people can create accounts; `closed`: only existing accounts sign in. */
  signup: 'open' | 'closed';
  /** argon2id cost (defaults: 19 MiB, 2 passes, 1 lane, per OWASP). */
  passwordHash?: { memoryKib?: number; iterations?: number; parallelism?: number };
  /** Another {@link UserStore} implementation; by default Redis when a client exists, else memory. */
  userStore?: Type<UserStore>;
  /** Redis key prefix of the default user store (default `user:`). */
  userKeyPrefix?: string;
  /**
   * Password mode: an account with a second factor may ask for an emailed code instead of it
   * (default false: such an account is never sent a sign-in code).
   */
  mfaEmailFallback?: boolean;
  /**
   * The second factors that count toward AAL2 (NIST SP 800-63B) beside another distinct factor
   * (default `email_otp`, `totp`, `recovery_code`; rev 4 does not accept email, so a strict
   * deployment leaves `email_otp` out).
   */
  aal2Factors?: FactorId[];
  /**
   * The time source of sign-ins and step-ups (`authTime`, `@FreshAuth`) and of the authenticator's
   * time steps (default the system clock); tests pass a `SettableClock` from the testing entry.
   */
  clock?: Clock;
}

/** The default of {@link AuthModuleOptions.aal2Factors}. */
export const DEFAULT_AAL2_FACTORS: FactorId[] = ['email_otp', 'totp', 'recovery_code', 'passkey'];

/**
 * `AuthModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Auth`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'Auth' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link AuthModuleOptions}), e.g. in a host app's own guard. */
export const InjectAuthOptions = () => Inject(AUTH_MODULE_OPTIONS);
