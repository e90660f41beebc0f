import { type Kysely, sql } from 'kysely';

// Migrations see the database as it was then, not as `DatabaseSchema` says it is now: untyped.

/**
 * Trusted browsers (remembered and known devices), keyed by the SHA-256 of their cookie's token:
 * the token itself is never stored. Keyed by email without a foreign key to `accounts`, like the
 * other credentials.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('devices')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('remembered', 'known')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('device', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .execute();
  // Listing and forgetting an account's devices.
  await db.schema.createIndex('devices_email_idx').on('devices').column('email').execute();
  // The sweep in PostgresDeviceStore.save finds expired rows by this index.
  await db.schema.createIndex('devices_expires_at_idx').on('devices').column('expires_at').execute();
}

/** Drops what {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('devices').execute();
}
