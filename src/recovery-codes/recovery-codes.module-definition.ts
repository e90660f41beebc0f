import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { RecoveryCodeStore } from './recovery-code-store.js';

/** Options of {@link RecoveryCodesModule}. */
export interface RecoveryCodesModuleOptions {
  /**
   * HMAC key for stored code hashes, at least 32 bytes (the app derives it from `OTP_SECRET`; a new
   * key voids every stored code).
   */
  secret: string | Buffer;
  /** Another {@link RecoveryCodeStore}; by default Redis when a client exists, else memory. */
  store?: Type<RecoveryCodeStore>;
  /** Redis key prefix of the default store (default `rc:`). */
  keyPrefix?: string;
}

/**
 * `RecoveryCodesModule.forRoot(options)` / `forRootAsync(...)`, with the extra `isGlobal` (default
 * true). DI errors name the module `RecoveryCodes`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: RECOVERY_CODES_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<RecoveryCodesModuleOptions>({ moduleName: 'RecoveryCodes' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link RecoveryCodesModuleOptions}). */
export const InjectRecoveryCodesOptions = () => Inject(RECOVERY_CODES_MODULE_OPTIONS);
