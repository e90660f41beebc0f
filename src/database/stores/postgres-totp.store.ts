import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { assertPendingTtl, assertStep, TotpStore } from '../../totp/totp-store.js';
import type { TotpCredential } from '../../totp/totp.types.js';
import { databaseCall } from '../database-call.js';
import { InjectDatabase } from '../database.constants.js';
import type { Database } from '../database.types.js';

/** Expired pending rows removed per {@link PostgresTotpStore.savePending}: bounded work per call. */
const SWEEP_BATCH = 100;

/**
 * {@link TotpStore} on PostgreSQL: `totp_credentials` (one row per account) and `totp_pending`.
 * Each method is one statement. {@link acceptStep} is a conditional `UPDATE ... WHERE last_step < step`:
 * concurrent updates of the row queue on its lock and each re-checks the condition on the row it
 * then sees, so a step is accepted once and `last_step` never moves back. {@link takePending} is
 * `DELETE ... RETURNING`, so one caller gets the secret. Pending expiry uses the database clock,
 * shared by every app instance (as Redis keeps TTLs on its own). An outage surfaces as
 * `StoreUnavailableError` (503).
 */
@Injectable()
export class PostgresTotpStore extends TotpStore {
  constructor(@InjectDatabase() protected readonly db: Database) {
    super();
  }

  async get(email: string): Promise<TotpCredential | null> {
    const row = await databaseCall(() =>
      this.db
        .selectFrom('totp_credentials')
        .select(['sealed_secret', 'created_at', 'last_step'])
        .where('email', '=', email)
        .executeTakeFirst(),
    );
    if (!row) return null;
    return { sealedSecret: row.sealed_secret, createdAt: row.created_at.getTime(), lastStep: Number(row.last_step) };
  }

  async save(email: string, credential: TotpCredential): Promise<void> {
    const row = {
      sealed_secret: credential.sealedSecret,
      created_at: new Date(credential.createdAt),
      last_step: credential.lastStep,
    };
    await databaseCall(() =>
      this.db
        .insertInto('totp_credentials')
        .values({ email, ...row })
        .onConflict((oc) => oc.column('email').doUpdateSet(row))
        .execute(),
    );
  }

  async remove(email: string): Promise<boolean> {
    const result = await databaseCall(() =>
      this.db.deleteFrom('totp_credentials').where('email', '=', email).executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }

  async acceptStep(email: string, step: number): Promise<boolean> {
    assertStep(step);
    const row = await databaseCall(() =>
      this.db
        .updateTable('totp_credentials')
        .set({ last_step: step })
        .where('email', '=', email)
        .where('last_step', '<', String(step))
        .returning('email')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  async savePending(id: string, sealedSecret: string, ttlSeconds: number): Promise<void> {
    assertPendingTtl(ttlSeconds);
    const expiresAt = sql<Date>`now() + make_interval(secs => ${ttlSeconds})`;
    await databaseCall(() =>
      this.db
        // Enrolments abandoned before their code never reach takePending: each save clears a few.
        // SKIP LOCKED keeps concurrent saves from waiting on each other; `id <>` keeps this
        // statement from touching the row it upserts (one statement may not change a row twice).
        .with('swept', (db) =>
          db.deleteFrom('totp_pending').where('id', 'in', (qb) =>
            qb
              .selectFrom('totp_pending')
              .select('id')
              .where('expires_at', '<=', sql<Date>`now()`)
              .where('id', '<>', id)
              .limit(SWEEP_BATCH)
              .forUpdate()
              .skipLocked(),
          ),
        )
        .insertInto('totp_pending')
        .values({ id, sealed_secret: sealedSecret, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            sealed_secret: eb.ref('excluded.sealed_secret'),
            expires_at: eb.ref('excluded.expires_at'),
          })),
        )
        .execute(),
    );
  }

  async takePending(id: string): Promise<string | null> {
    // An expired row is deleted too (and answers null): nothing is left to sweep later.
    const row = await databaseCall(() =>
      this.db
        .deleteFrom('totp_pending')
        .where('id', '=', id)
        .returning(['sealed_secret', sql<boolean>`expires_at > now()`.as('live')])
        .executeTakeFirst(),
    );
    return row?.live ? row.sealed_secret : null;
  }
}
