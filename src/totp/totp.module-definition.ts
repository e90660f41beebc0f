import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { TotpStore } from './totp-store.js';

/** Options of {@link TotpModule}. */
export interface TotpModuleOptions {
  /**
   * Keys that encrypt authenticator secrets at rest (AES-256-GCM): a comma list of `id:base64key`
   * entries, each key 32 bytes; the first encrypts, all decrypt (rotation). `MFA_ENCRYPTION_KEY`.
   */
  encryptionKeys: string;
  /** The issuer shown by authenticator apps (default `Sign-in`). */
  issuer?: string;
  /** Another {@link TotpStore}; by default Redis when a client exists, else memory. */
  store?: Type<TotpStore>;
  /** Redis key prefix of the default store (default `totp:`). */
  keyPrefix?: string;
}

/**
 * `TotpModule.forRoot(options)` / `forRootAsync(...)`, with the extra `isGlobal` (default true).
 * DI errors name the module `Totp`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: TOTP_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<TotpModuleOptions>({ moduleName: 'Totp' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link TotpModuleOptions}). */
export const InjectTotpOptions = () => Inject(TOTP_MODULE_OPTIONS);
