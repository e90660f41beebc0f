import type { Kysely } from 'kysely';

// Migrations see the database as it was then, not as `DatabaseSchema` says it is now: untyped.

/**
 * When each trusted browser was last used (its last sign-in), for the session list. Null on the
 * rows that were there before: the list shows their creation time instead.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('devices').addColumn('last_used_at', 'timestamptz').execute();
}

/** Drops what {@link up} added. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('devices').dropColumn('last_used_at').execute();
}
