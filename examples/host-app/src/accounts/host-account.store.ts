import { Injectable } from '@nestjs/common';
import { databaseCall, type User, UserStore } from 'nest-mfa-signin';
import type pg from 'pg';
import { InjectHostDb } from './host-database.module.js';

interface HostAccountRow {
  password_hash: string | null;
  created_at: Date;
}

/**
 * The package's accounts, kept in the team's own `host_accounts` table (plain `pg`, no ORM).
 * Plugged in with `AuthModule.forRootAsync({ useFactory: () => ({ ..., userStore: HostAccountStore }) })`.
 * Emails arrive normalised; an outage becomes the package's 503 through `databaseCall`.
 */
@Injectable()
export class HostAccountStore extends UserStore {
  constructor(@InjectHostDb() private readonly pool: pg.Pool) {
    super();
  }

  async findByEmail(email: string): Promise<User | null> {
    const { rows } = await databaseCall(() =>
      this.pool.query<HostAccountRow>('select password_hash, created_at from host_accounts where email = $1', [email]),
    );
    const row = rows[0];
    if (!row) return null;
    return {
      email,
      createdAt: row.created_at.getTime(),
      ...(row.password_hash !== null ? { passwordHash: row.password_hash } : {}),
    };
  }

  async updatePassword(email: string, passwordHash: string): Promise<boolean> {
    const { rowCount } = await databaseCall(() =>
      this.pool.query('update host_accounts set password_hash = $2 where email = $1', [email, passwordHash]),
    );
    return rowCount === 1;
  }

  /** One statement: of concurrent creates of one email exactly one inserts, the others return false. */
  async create(user: User): Promise<boolean> {
    const { rowCount } = await databaseCall(() =>
      this.pool.query(
        `insert into host_accounts (email, password_hash, created_at) values ($1, $2, $3)
         on conflict (email) do nothing`,
        [user.email, user.passwordHash ?? null, new Date(user.createdAt)],
      ),
    );
    return rowCount === 1;
  }
}
