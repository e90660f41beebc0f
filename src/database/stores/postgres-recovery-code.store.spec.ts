import { openTestDatabase } from '../../../test/support/postgres.js';
import { recoveryCodeStoreContract } from '../../recovery-codes/recovery-code-store.contract.js';
import { PostgresRecoveryCodeStore } from './postgres-recovery-code.store.js';

// Every test uses fresh random emails, and the run's database is dropped in teardown.
recoveryCodeStoreContract('PostgresRecoveryCodeStore', async () => {
  const db = openTestDatabase();
  return { store: new PostgresRecoveryCodeStore(db), cleanup: () => db.destroy() };
});
