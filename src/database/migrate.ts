import { type Kysely, Migrator } from 'kysely';
import { MigrationFailedError } from './database.errors.js';
import { MIGRATIONS, StaticMigrationProvider } from './migrations/index.js';

/** The Kysely migrator over {@link MIGRATIONS}, bookkeeping in the `kysely_migration` table. */
export function createMigrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: new StaticMigrationProvider() });
}

/**
 * Applies every pending migration, in order, each in its own transaction. Kysely holds a lock
 * (a PostgreSQL advisory lock) for the run, so two processes migrating at once apply each once.
 * @returns the names applied by this call, in order; empty when the schema was up to date.
 * @throws MigrationFailedError naming the migration that failed (the ones before it stay applied).
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? null;
    throw new MigrationFailedError(failed, applied, error);
  }
  return applied;
}

/**
 * The names of the migrations in {@link MIGRATIONS} that the database has not applied, in order.
 * Read-only: on an empty database it creates nothing and answers every name.
 */
export async function pendingMigrations<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrations = await createMigrator(db).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Where {@link runMigrateCommand} writes: `console` fits. */
export interface CommandOutput {
  log(message: string): void;
  error(message: string): void;
}

/**
 * `npm run db:migrate`: migrates the database at `url` to the latest schema and says what it applied.
 * @param url the `DATABASE_URL`; undefined or empty prints how to set it.
 * @param connect opens the database (the CLI passes one without a query timeout: migrations may be slow).
 * @returns the process exit code: 0 on success, 1 when the URL is missing or a migration failed.
 */
export async function runMigrateCommand<DB>(
  url: string | undefined,
  connect: (url: string) => Kysely<DB>,
  out: CommandOutput = console,
): Promise<number> {
  if (!url) {
    out.error('DATABASE_URL is not set: export DATABASE_URL=postgres://user:password@host:5432/database');
    return 1;
  }
  const db = connect(url);
  try {
    const applied = await migrateToLatest(db);
    if (applied.length === 0) out.log(`The schema is up to date (${Object.keys(MIGRATIONS).length} migration(s)).`);
    for (const name of applied) out.log(`Applied ${name}`);
    return 0;
  } catch (err) {
    if (err instanceof MigrationFailedError) for (const name of err.applied) out.log(`Applied ${name}`);
    out.error(err instanceof Error ? err.message : String(err));
    return 1;
  } finally {
    await db.destroy();
  }
}
