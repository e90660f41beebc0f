import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { PoolConfig } from 'pg';

/** Options of {@link DatabaseModule}. */
export interface DatabaseModuleOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`); query parameters such as `sslmode` pass through. */
  url: string;
  /**
   * Refuse to boot while migrations are pending (default true): the provider throws
   * {@link DatabaseSchemaError}, naming them. False skips the check and does not connect at boot.
   */
  schemaCheck?: boolean;
  /**
   * `pg.Pool` settings merged over the defaults: `max` 10 connections, `connectionTimeoutMillis` 2000
   * and `query_timeout` 2000 (ms), so a stalled server turns into a 503 instead of a hung request.
   */
  pool?: Omit<PoolConfig, 'connectionString'>;
}

/** Extra options of `DatabaseModule.forRoot` / `forRootAsync`. */
export interface DatabaseModuleExtras {
  /** Register the module globally, so every store can inject the database (default true, like RedisModule). */
  isGlobal?: boolean;
}

/**
 * `DatabaseModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true, like RedisModule), and the token of its {@link DatabaseModuleOptions}.
 * DI errors name the module `Database`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: DATABASE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<DatabaseModuleOptions>({ moduleName: 'Database' })
    .setClassMethodName('forRoot')
    .setExtras<DatabaseModuleExtras>({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/**
 * Injects the module's options ({@link DatabaseModuleOptions}), e.g. in a host app's own health check
 * or migration step. The URL carries the password: never log it whole (see `describeDatabaseUrl`).
 */
export const InjectDatabaseOptions = () => Inject(DATABASE_MODULE_OPTIONS);
