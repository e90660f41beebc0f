import type pg from 'pg';

/**
 * The team's own account table. It has more than the package needs (an id, a plan); the package
 * only ever reads and writes `email`, `password_hash` and `created_at` through `HostAccountStore`.
 */
export const HOST_ACCOUNTS_SQL = `
  create table if not exists host_accounts (
    id bigint generated always as identity primary key,
    email text not null unique,
    password_hash text,
    plan text not null default 'free',
    created_at timestamptz not null
  )`;

/**
 * Creates `host_accounts` when it is missing. Under an advisory lock: two processes migrating at
 * once (two test workers, two replicas) would otherwise race on `create table if not exists`.
 */
export async function migrateHostAccounts(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query("select pg_advisory_xact_lock(hashtext('host_accounts migration'))");
    await client.query(HOST_ACCOUNTS_SQL);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
}
