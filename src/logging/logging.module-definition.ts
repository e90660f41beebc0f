import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';

/** Options of {@link LoggingModule}. */
export interface LoggingModuleOptions {
  /**
   * HMAC-SHA256 key of the pseudonyms that stand for accounts in auth event lines (`user`): one
   * account has one pseudonym while the key stays, and the address cannot be read back from it.
   * At least 32 bytes.
   */
  pseudonymKey: string | Buffer;
}

/**
 * `LoggingModule.forRoot(options)` / `forRootAsync(...)`, with the extra `isGlobal` (default
 * false). DI errors name the module `Logging`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: LOGGING_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<LoggingModuleOptions>({ moduleName: 'Logging' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link LoggingModuleOptions}). */
export const InjectLoggingOptions = () => Inject(LOGGING_MODULE_OPTIONS);
