import { type Kysely, sql } from 'kysely';

// Migrations see the database as it was then, not as `DatabaseSchema` says it is now: untyped.

/**
 * Accounts, authenticators, pending enrolments and recovery codes. Credentials are keyed by email
 * without a foreign key to `accounts`, as in the Redis stores: a credential may be written before
 * (or without) its account row, and a host app may keep accounts elsewhere.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('totp_credentials')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_step', 'bigint', (c) => c.notNull().check(sql`last_step >= 0`))
    .execute();

  await db.schema
    .createTable('totp_pending')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // The sweep in PostgresTotpStore.savePending finds expired rows by this index.
  await db.schema.createIndex('totp_pending_expires_at_idx').on('totp_pending').column('expires_at').execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('recovery_codes_pkey', ['email', 'hash'])
    .execute();
}

/** Drops what {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['recovery_codes', 'totp_pending', 'totp_credentials', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
