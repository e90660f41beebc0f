import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { assertChallengeTtl, PasskeyStore } from '../../passkeys/passkey-store.js';
import type { PasskeyCredential, PasskeyUse } from '../../passkeys/passkey.types.js';
import { databaseCall } from '../database-call.js';
import { InjectDatabase } from '../database.constants.js';
import type { Database, PasskeyCredentialsTable } from '../database.types.js';

/** Expired challenges removed per {@link PostgresPasskeyStore.saveChallenge}: bounded work per call. */
const SWEEP_BATCH = 100;

type Row = Omit<PasskeyCredentialsTable, 'counter'> & { counter: string };

/**
 * {@link PasskeyStore} on PostgreSQL: `passkey_credentials` and `passkey_challenges`. Each method is
 * one statement: {@link add} is `INSERT ... ON CONFLICT DO NOTHING`, {@link recordUse} a conditional
 * `UPDATE` (concurrent updates queue on the row lock and re-check the counter), {@link takeChallenge}
 * `DELETE ... RETURNING`. Challenge expiry uses the database clock. An outage surfaces as
 * `StoreUnavailableError` (503).
 */
@Injectable()
export class PostgresPasskeyStore extends PasskeyStore {
  constructor(@InjectDatabase() protected readonly db: Database) {
    super();
  }

  async add(c: PasskeyCredential): Promise<boolean> {
    const result = await databaseCall(() =>
      this.db
        .insertInto('passkey_credentials')
        .values({
          id: c.id,
          email: c.email,
          public_key: c.publicKey,
          counter: c.counter,
          transports: c.transports.join(','),
          device_type: c.deviceType,
          backed_up: c.backedUp,
          name: c.name,
          created_at: new Date(c.createdAt),
          last_used_at: c.lastUsedAt === undefined ? null : new Date(c.lastUsedAt),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst(),
    );
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async get(id: string): Promise<PasskeyCredential | null> {
    const row = await databaseCall(() =>
      this.db.selectFrom('passkey_credentials').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return row ? this.parse(row) : null;
  }

  async list(email: string): Promise<PasskeyCredential[]> {
    const rows = await databaseCall(() =>
      this.db
        .selectFrom('passkey_credentials')
        .selectAll()
        .where('email', '=', email)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map((r) => this.parse(r));
  }

  async recordUse(id: string, use: PasskeyUse): Promise<boolean> {
    const row = await databaseCall(() =>
      this.db
        .updateTable('passkey_credentials')
        .set({ counter: use.counter, backed_up: use.backedUp, last_used_at: new Date(use.at) })
        .where('id', '=', id)
        .where((eb) =>
          eb.or([
            eb('counter', '<', String(use.counter)),
            eb.and([eb('counter', '=', '0'), eb.val(use.counter === 0)]),
          ]),
        )
        .returning('id')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  async rename(email: string, id: string, name: string): Promise<PasskeyCredential | null> {
    const row = await databaseCall(() =>
      this.db
        .updateTable('passkey_credentials')
        .set({ name })
        .where('id', '=', id)
        .where('email', '=', email)
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? this.parse(row) : null;
  }

  async remove(email: string, id: string): Promise<boolean> {
    const result = await databaseCall(() =>
      this.db.deleteFrom('passkey_credentials').where('id', '=', id).where('email', '=', email).executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }

  async saveChallenge(challenge: string, binding: string, ttlSeconds: number): Promise<void> {
    assertChallengeTtl(ttlSeconds);
    const expiresAt = sql<Date>`now() + make_interval(secs => ${ttlSeconds})`;
    await databaseCall(() =>
      this.db
        // Challenges never answered are never taken: each save clears a few (see PostgresTotpStore).
        .with('swept', (db) =>
          db.deleteFrom('passkey_challenges').where('challenge', 'in', (qb) =>
            qb
              .selectFrom('passkey_challenges')
              .select('challenge')
              .where('expires_at', '<=', sql<Date>`now()`)
              .where('challenge', '<>', challenge)
              .limit(SWEEP_BATCH)
              .forUpdate()
              .skipLocked(),
          ),
        )
        .insertInto('passkey_challenges')
        .values({ challenge, binding, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('challenge').doUpdateSet((eb) => ({
            binding: eb.ref('excluded.binding'),
            expires_at: eb.ref('excluded.expires_at'),
          })),
        )
        .execute(),
    );
  }

  async takeChallenge(challenge: string): Promise<string | null> {
    const row = await databaseCall(() =>
      this.db
        .deleteFrom('passkey_challenges')
        .where('challenge', '=', challenge)
        .returning(['binding', sql<boolean>`expires_at > now()`.as('live')])
        .executeTakeFirst(),
    );
    return row?.live ? row.binding : null;
  }

  protected parse(r: Row): PasskeyCredential {
    return {
      id: r.id,
      email: r.email,
      publicKey: r.public_key,
      counter: Number(r.counter),
      transports: r.transports ? r.transports.split(',') : [],
      deviceType: r.device_type,
      backedUp: r.backed_up,
      name: r.name,
      createdAt: r.created_at.getTime(),
      ...(r.last_used_at ? { lastUsedAt: r.last_used_at.getTime() } : {}),
    };
  }
}
