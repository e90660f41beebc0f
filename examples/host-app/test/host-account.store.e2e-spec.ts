import { userStoreContract } from 'nest-mfa-signin/testing';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { testDatabaseUrl } from '../../../test/support/postgres.js';
import { HostAccountStore } from '../src/accounts/host-account.store.js';
import { migrateHostAccounts } from '../src/accounts/host-accounts.migration.js';

// The package's UserStore contract, run against the team's own store and table.
let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: testDatabaseUrl() });
  await migrateHostAccounts(pool);
});

afterAll(async () => {
  await pool?.end();
});

userStoreContract('HostAccountStore (host_accounts)', async () => ({ store: new HostAccountStore(pool) }));
