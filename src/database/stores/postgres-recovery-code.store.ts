import { Injectable } from '@nestjs/common';
import { sql, type Transaction } from 'kysely';
import { RecoveryCodeStore } from '../../recovery-codes/recovery-code-store.js';
import { databaseCall } from '../database-call.js';
import { InjectDatabase } from '../database.constants.js';
import type { Database, DatabaseSchema } from '../database.types.js';

/**
 * {@link RecoveryCodeStore} on PostgreSQL: one `recovery_codes` row per unused hash.
 *
 * {@link consume} must answer the count left after its own removal, even when other codes of the
 * same account are consumed at the same moment. One statement cannot: its snapshot predates the
 * concurrent deletes. So each write to an account's set runs in a transaction that first takes a
 * transaction-scoped advisory lock on the account; the writes of one account then run one after
 * the other, and each statement after the lock sees every earlier one committed. Other accounts
 * are not held up (the lock key is a 64-bit hash of the email). An outage surfaces as
 * `StoreUnavailableError` (503).
 */
@Injectable()
export class PostgresRecoveryCodeStore extends RecoveryCodeStore {
  constructor(@InjectDatabase() protected readonly db: Database) {
    super();
  }

  async replace(email: string, hashes: string[]): Promise<void> {
    const unique = [...new Set(hashes)];
    await databaseCall(() =>
      this.db.transaction().execute(async (tx) => {
        await this.lockAccount(tx, email);
        await tx.deleteFrom('recovery_codes').where('email', '=', email).execute();
        if (unique.length === 0) return;
        // One array parameter rather than a parameter per row: no limit on the set's size.
        await tx
          .insertInto('recovery_codes')
          .columns(['email', 'hash'])
          .expression(
            tx.selectNoFrom((eb) => [eb.val(email).as('email'), sql<string>`unnest(${unique}::text[])`.as('hash')]),
          )
          .execute();
      }),
    );
  }

  async consume(email: string, hash: string): Promise<number | null> {
    return databaseCall(() =>
      this.db.transaction().execute(async (tx) => {
        await this.lockAccount(tx, email);
        const taken = await tx
          .deleteFrom('recovery_codes')
          .where('email', '=', email)
          .where('hash', '=', hash)
          .executeTakeFirst();
        if (taken.numDeletedRows === 0n) return null;
        return this.countIn(tx, email);
      }),
    );
  }

  async count(email: string): Promise<number> {
    return databaseCall(() => this.countIn(this.db, email));
  }

  async remove(email: string): Promise<boolean> {
    const result = await databaseCall(() =>
      this.db.transaction().execute(async (tx) => {
        await this.lockAccount(tx, email);
        return tx.deleteFrom('recovery_codes').where('email', '=', email).executeTakeFirst();
      }),
    );
    return result.numDeletedRows > 0n;
  }

  /** Waits for, then holds until commit, the advisory lock of `email`'s set. */
  protected async lockAccount(tx: Transaction<DatabaseSchema>, email: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`recovery_codes:${email}`}, 0))`.execute(tx);
  }

  protected async countIn(db: Database | Transaction<DatabaseSchema>, email: string): Promise<number> {
    const row = await db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
