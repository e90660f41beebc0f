import { Injectable } from '@nestjs/common';
import { UserStore } from '../../auth/users/user-store.js';
import type { User } from '../../auth/users/user.types.js';
import { databaseCall } from '../database-call.js';
import { InjectDatabase } from '../database.constants.js';
import type { Database } from '../database.types.js';

/**
 * {@link UserStore} on PostgreSQL: one `accounts` row per account. {@link create} is one
 * `INSERT ... ON CONFLICT DO NOTHING`, so of concurrent creates of one email exactly one wins.
 * A database outage surfaces as `StoreUnavailableError` (503).
 */
@Injectable()
export class PostgresUserStore extends UserStore {
  constructor(@InjectDatabase() protected readonly db: Database) {
    super();
  }

  async findByEmail(email: string): Promise<User | null> {
    const row = await databaseCall(() =>
      this.db
        .selectFrom('accounts')
        .select(['password_hash', 'created_at'])
        .where('email', '=', email)
        .executeTakeFirst(),
    );
    if (!row) return null;
    return {
      email,
      createdAt: row.created_at.getTime(),
      ...(row.password_hash !== null ? { passwordHash: row.password_hash } : {}),
    };
  }

  async updatePassword(email: string, passwordHash: string): Promise<boolean> {
    const result = await databaseCall(() =>
      this.db
        .updateTable('accounts')
        .set({ password_hash: passwordHash })
        .where('email', '=', email)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  async create(user: User): Promise<boolean> {
    const row = await databaseCall(() =>
      this.db
        .insertInto('accounts')
        .values({ email: user.email, password_hash: user.passwordHash ?? null, created_at: new Date(user.createdAt) })
        .onConflict((oc) => oc.column('email').doNothing())
        .returning('email')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }
}
