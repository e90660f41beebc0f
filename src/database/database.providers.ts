import { Logger, type Provider } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DATABASE } from './database.constants.js';
import { DatabaseSchemaError } from './database.errors.js';
import { DATABASE_MODULE_OPTIONS, type DatabaseModuleOptions } from './database.module-definition.js';
import type { Database } from './database.types.js';
import { pendingMigrations } from './migrate.js';

const logger = new Logger('Database');

/** Pool defaults; `DatabaseModuleOptions.pool` is merged over them. */
const POOL_DEFAULTS = { max: 10, connectionTimeoutMillis: 2000, query_timeout: 2000 } satisfies pg.PoolConfig;

/** `host:port/database` of a URL: what messages and logs show, never the password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname || '/'}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * A {@link Database} (Kysely over a new `pg.Pool`). Connects lazily: nothing is opened until the
 * first query. Close it with `db.destroy()`.
 * @throws Error when `url` is not a `postgres://` or `postgresql://` URL.
 */
export function createDatabase(options: Pick<DatabaseModuleOptions, 'url' | 'pool'>): Database {
  if (!/^postgres(ql)?:\/\/\S+$/.test(options.url ?? '') || !URL.canParse(options.url)) {
    throw new Error('DatabaseModule: url must be a postgres:// or postgresql:// URL');
  }
  const pool = new pg.Pool({ ...POOL_DEFAULTS, ...options.pool, connectionString: options.url });
  // An idle connection that breaks (server restart, network) is reported here; without a listener
  // the pool's 'error' event would crash the process. The pool replaces the connection by itself.
  let lastError = '';
  pool.on('error', (err) => {
    if (err.message !== lastError) logger.error(`PostgreSQL connection error: ${err.message}`);
    lastError = err.message;
  });
  pool.on('connect', () => (lastError = ''));
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Builds the shared database and, with `schemaCheck` (the default), refuses to boot while
 * migrations are pending or the server cannot be asked.
 * @throws DatabaseSchemaError when migrations are pending.
 * @throws Error naming `host:port/database` when the server does not answer the check.
 */
export async function connectDatabase(options: DatabaseModuleOptions): Promise<Database> {
  const db = createDatabase(options);
  if (options.schemaCheck === false) return db;
  let pending: string[];
  try {
    pending = await pendingMigrations(db);
  } catch (err) {
    await db.destroy();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Could not check the database schema at ${describeDatabaseUrl(options.url)}: ${why}`, {
      cause: err,
    });
  }
  if (pending.length > 0) {
    await db.destroy();
    throw new DatabaseSchemaError(pending);
  }
  return db;
}

/**
 * Checks the schema at `options.url` on a pool of its own, closed again: for a bootstrap that
 * checks before Nest builds the app, so that a schema that is behind stops the start with one
 * message (Nest logs an error thrown by a provider with its stack trace). `createApp` does this.
 * @throws DatabaseSchemaError when migrations are pending.
 * @throws Error naming `host:port/database` when the server does not answer the check.
 */
export async function checkDatabaseSchema(options: Pick<DatabaseModuleOptions, 'url' | 'pool'>): Promise<void> {
  const db = await connectDatabase({ ...options, schemaCheck: true });
  await db.destroy();
}

/** The shared {@link Database} ({@link DATABASE}), checked against the migrations unless told not to. */
export const databaseProvider: Provider = {
  provide: DATABASE,
  useFactory: connectDatabase,
  inject: [DATABASE_MODULE_OPTIONS],
};
