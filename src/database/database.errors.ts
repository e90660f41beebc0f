/**
 * The database lacks migrations this code needs; thrown at boot by `DatabaseModule` (with
 * `schemaCheck`, the default). The message names them and says what to run.
 */
export class DatabaseSchemaError extends Error {
  override name = 'DatabaseSchemaError';

  /** @param pending names of the migrations not yet applied, in order. */
  constructor(readonly pending: readonly string[]) {
    super(
      `The database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}). ` +
        'Run `npm run db:migrate`.',
    );
  }
}

/** A migration failed; earlier ones of the same run stay applied (each runs in its own transaction). */
export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';

  /**
   * @param migration the name of the migration that failed, or null when the run failed before any.
   * @param applied the migrations this run applied before the failure.
   */
  constructor(
    readonly migration: string | null,
    readonly applied: readonly string[],
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(migration ? `Migration ${migration} failed: ${why}` : `Migrations could not run: ${why}`, { cause });
  }
}
