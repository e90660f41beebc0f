import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DeviceStore, type DeviceRecord } from '../../devices/device-store.js';
import { databaseCall } from '../database-call.js';
import { InjectDatabase } from '../database.constants.js';
import type { Database, DevicesTable } from '../database.types.js';

/** Expired devices removed per {@link PostgresDeviceStore.save}: bounded work per call. */
const SWEEP_BATCH = 100;

/**
 * {@link DeviceStore} on PostgreSQL: one `devices` row per trusted browser, keyed by its token's hash
 * (the token never reaches the store). Each method is one statement: {@link save} an upsert,
 * {@link take} `DELETE ... RETURNING` (of concurrent takes, one gets the row; the others find it
 * gone once its lock is released), {@link remove} a `DELETE` bound to the account.
 *
 * A device is live until its `expiresAt`, on this process's clock, as the record was made by it:
 * reads answer only live rows; an expired row is deleted when it is taken, and each save sweeps a
 * few expired rows of any account. An outage surfaces as `StoreUnavailableError` (503).
 */
@Injectable()
export class PostgresDeviceStore extends DeviceStore {
  constructor(@InjectDatabase() protected readonly db: Database) {
    super();
  }

  async save(hash: string, record: DeviceRecord): Promise<void> {
    const row = {
      id: record.id,
      email: record.email,
      kind: record.kind,
      created_at: new Date(record.createdAt),
      expires_at: new Date(record.expiresAt),
      device: record.device,
      ip: record.ip,
      last_used_at: record.lastUsedAt === undefined ? null : new Date(record.lastUsedAt),
    };
    const now = new Date();
    await databaseCall(() =>
      this.db
        // Devices never used again are never taken: each save clears a few. SKIP LOCKED keeps
        // concurrent saves from waiting on each other; `hash <>` keeps this statement from touching
        // the row it upserts (one statement may not change a row twice).
        .with('swept', (db) =>
          db
            .deleteFrom('devices')
            .where('hash', 'in', (qb) =>
              qb
                .selectFrom('devices')
                .select('hash')
                .where('expires_at', '<=', now)
                .where('hash', '<>', hash)
                .limit(SWEEP_BATCH)
                .forUpdate()
                .skipLocked(),
            ),
        )
        .insertInto('devices')
        .values({ hash, ...row })
        .onConflict((oc) => oc.column('hash').doUpdateSet(row))
        .execute(),
    );
  }

  async get(hash: string): Promise<DeviceRecord | null> {
    const row = await databaseCall(() =>
      this.db
        .selectFrom('devices')
        .selectAll()
        .where('hash', '=', hash)
        .where('expires_at', '>', new Date())
        .executeTakeFirst(),
    );
    return row ? this.parse(row) : null;
  }

  async take(hash: string): Promise<DeviceRecord | null> {
    // An expired row is deleted too (and answers null): nothing is left to sweep later.
    const row = await databaseCall(() =>
      this.db
        .deleteFrom('devices')
        .where('hash', '=', hash)
        .returningAll()
        .returning(sql<boolean>`expires_at > ${new Date()}`.as('live'))
        .executeTakeFirst(),
    );
    return row?.live ? this.parse(row) : null;
  }

  async list(email: string): Promise<{ hash: string; record: DeviceRecord }[]> {
    const rows = await databaseCall(() =>
      this.db
        .selectFrom('devices')
        .selectAll()
        .where('email', '=', email)
        .where('expires_at', '>', new Date())
        .orderBy('created_at')
        .orderBy('hash')
        .execute(),
    );
    return rows.map((r) => ({ hash: r.hash, record: this.parse(r) }));
  }

  async remove(email: string, hashes: string[]): Promise<void> {
    if (!hashes.length) return;
    // One array parameter rather than a parameter per hash: no limit on how many.
    await databaseCall(() =>
      this.db
        .deleteFrom('devices')
        .where('email', '=', email)
        .where(sql<boolean>`hash = any(${hashes}::text[])`)
        .execute(),
    );
  }

  protected parse(r: DevicesTable): DeviceRecord {
    return {
      id: r.id,
      email: r.email,
      kind: r.kind,
      createdAt: r.created_at.getTime(),
      expiresAt: r.expires_at.getTime(),
      device: r.device,
      ip: r.ip,
      ...(r.last_used_at ? { lastUsedAt: r.last_used_at.getTime() } : {}),
    };
  }
}
