import { passkeyStoreContract } from '../../passkeys/passkey-store.contract.js';
import { openTestDatabase } from '../../../test/support/postgres.js';
import { PostgresPasskeyStore } from './postgres-passkey.store.js';

// Every test uses fresh random emails and ids, and the run's database is dropped in teardown.
passkeyStoreContract('PostgresPasskeyStore', async () => {
  const db = openTestDatabase();
  return { store: new PostgresPasskeyStore(db), cleanup: () => db.destroy() };
});
