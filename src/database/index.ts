export { DatabaseModule } from './database.module.js';
export {
  type DatabaseModuleExtras,
  type DatabaseModuleOptions,
  DATABASE_MODULE_OPTIONS,
  InjectDatabaseOptions,
} from './database.module-definition.js';
export { DATABASE, InjectDatabase } from './database.constants.js';
export { checkDatabaseSchema, createDatabase, describeDatabaseUrl } from './database.providers.js';
export type * from './database.types.js';
export { DatabaseHealthIndicator } from './database-health.indicator.js';
export { DatabaseSchemaError, MigrationFailedError } from './database.errors.js';
export { databaseCall, isDatabaseUnavailable } from './database-call.js';
export { migrateToLatest, pendingMigrations, createMigrator } from './migrate.js';
export { MIGRATIONS } from './migrations/index.js';
export { PostgresUserStore } from './stores/postgres-user.store.js';
export { PostgresTotpStore } from './stores/postgres-totp.store.js';
export { PostgresRecoveryCodeStore } from './stores/postgres-recovery-code.store.js';
export { PostgresPasskeyStore } from './stores/postgres-passkey.store.js';
export { PostgresDeviceStore } from './stores/postgres-device.store.js';
