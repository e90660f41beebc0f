import { Injectable, Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../../test/support/postgres.js';
import { freePort } from '../../test/support/redis.js';
import { UserStore } from '../auth/users/user-store.js';
import { StoreUnavailableError } from '../redis/index.js';
import { databaseCall, isDatabaseUnavailable } from './database-call.js';
import { DATABASE } from './database.constants.js';
import { DatabaseHealthIndicator } from './database-health.indicator.js';
import { DatabaseModule } from './database.module.js';
import { DATABASE_MODULE_OPTIONS, type DatabaseModuleOptions, InjectDatabaseOptions } from './index.js';
import { createDatabase, describeDatabaseUrl } from './database.providers.js';
import type { Database } from './database.types.js';
import { PostgresUserStore } from './stores/postgres-user.store.js';

const unreachableUrl = async () => `postgres://someone:s3cret@127.0.0.1:${await freePort()}/nowhere`;

@Module({ providers: [PostgresUserStore], exports: [PostgresUserStore] })
class AccountsFeature {}

describe('DatabaseModule', () => {
  it('forRootAsync gives every module the database, and a store injected with it works', async () => {
    const app = await Test.createTestingModule({
      imports: [DatabaseModule.forRootAsync({ useFactory: () => ({ url: testDatabaseUrl() }) }), AccountsFeature],
    }).compile();
    try {
      const store = app.get(PostgresUserStore);
      const email = `module-${Date.now()}-${Math.random()}@example.test`;
      expect(await store.create({ email, createdAt: 1_700_000_000_000 })).toBe(true);
      expect(await store.findByEmail(email)).toStrictEqual({ email, createdAt: 1_700_000_000_000 });
    } finally {
      await app.close();
    }
  });

  it('gives the database to a store class built with ModuleRef.create, as AuthModule does with its userStore option', async () => {
    @Module({
      providers: [
        {
          provide: UserStore,
          useFactory: (moduleRef: ModuleRef) => moduleRef.create(PostgresUserStore),
          inject: [ModuleRef],
        },
      ],
      exports: [UserStore],
    })
    class HostAuthModule {}

    const app = await Test.createTestingModule({
      imports: [DatabaseModule.forRoot({ url: testDatabaseUrl() }), HostAuthModule],
    }).compile();
    try {
      const store = app.get(UserStore);
      expect(store).toBeInstanceOf(PostgresUserStore);
      const email = `host-${Date.now()}-${Math.random()}@example.test`;
      expect(await store.create({ email, passwordHash: 'h', createdAt: 1 })).toBe(true);
      expect(await store.create({ email, createdAt: 2 })).toBe(false);
    } finally {
      await app.close();
    }
  });

  it("exports its options token, and InjectDatabaseOptions() gives them to a host app's own provider", async () => {
    @Injectable()
    class HostMigrations {
      constructor(@InjectDatabaseOptions() readonly options: DatabaseModuleOptions) {}
    }
    @Module({ providers: [HostMigrations] })
    class HostFeature {}

    const url = testDatabaseUrl();
    const app = await Test.createTestingModule({
      imports: [DatabaseModule.forRootAsync({ useFactory: () => ({ url, schemaCheck: false }) }), HostFeature],
    }).compile();
    try {
      expect(app.get(HostMigrations).options).toEqual({ url, schemaCheck: false });
      expect(app.get(DATABASE_MODULE_OPTIONS)).toBe(app.get(HostMigrations).options);
    } finally {
      await app.close();
    }
  });

  it('with isGlobal: false, only modules that import it can inject the database', async () => {
    const compiling = Test.createTestingModule({
      imports: [DatabaseModule.forRoot({ url: testDatabaseUrl(), isGlobal: false }), AccountsFeature],
    }).compile();
    await expect(compiling).rejects.toThrow(/PostgresUserStore/);
  });

  it('closes the pool on shutdown', async () => {
    const app = await Test.createTestingModule({
      imports: [DatabaseModule.forRoot({ url: testDatabaseUrl() })],
    }).compile();
    const db = app.get<Database>(DATABASE);
    await sql`select 1`.execute(db);
    await app.close();
    await expect(sql`select 1`.execute(db)).rejects.toThrow();
  });

  it('refuses to boot when the server does not answer the schema check, without showing the password', async () => {
    const url = await unreachableUrl();
    const compiling = Test.createTestingModule({ imports: [DatabaseModule.forRoot({ url })] }).compile();
    await expect(compiling).rejects.toThrow(
      /^Could not check the database schema at 127\.0\.0\.1:\d+\/nowhere: .*ECONNREFUSED/,
    );
    await expect(compiling).rejects.not.toThrow(/s3cret/);
  });

  it('refuses a URL that is not postgres://', async () => {
    for (const url of ['mysql://root@localhost/db', '', 'postgres://']) {
      const compiling = Test.createTestingModule({ imports: [DatabaseModule.forRoot({ url })] }).compile();
      await expect(compiling).rejects.toThrow('DatabaseModule: url must be a postgres:// or postgresql:// URL');
    }
  });

  it('with schemaCheck: false boots without a server; stores then answer StoreUnavailableError', async () => {
    const app = await Test.createTestingModule({
      imports: [DatabaseModule.forRoot({ url: await unreachableUrl(), schemaCheck: false }), AccountsFeature],
    }).compile();
    try {
      await expect(app.get(PostgresUserStore).findByEmail('a@example.test')).rejects.toThrow(StoreUnavailableError);
    } finally {
      await app.close();
    }
  });

  describe('DatabaseHealthIndicator', () => {
    it('is up when the database answers and down when it does not', async () => {
      const up = await Test.createTestingModule({
        imports: [DatabaseModule.forRoot({ url: testDatabaseUrl() })],
      }).compile();
      const down = await Test.createTestingModule({
        imports: [DatabaseModule.forRoot({ url: await unreachableUrl(), schemaCheck: false })],
      }).compile();
      try {
        expect(await up.get(DatabaseHealthIndicator).isHealthy()).toEqual({ database: { status: 'up' } });
        expect(await down.get(DatabaseHealthIndicator).isHealthy('db')).toEqual({
          db: { status: 'down', message: 'no answer to select 1' },
        });
      } finally {
        await Promise.all([up.close(), down.close()]);
      }
    });
  });
});

describe('databaseCall', () => {
  it('passes query errors through as they are: they are bugs, not outages', async () => {
    const db = createDatabase({ url: testDatabaseUrl() });
    try {
      const failing = databaseCall(() => sql`select * from no_such_table`.execute(db));
      await expect(failing).rejects.toBeInstanceOf(pg.DatabaseError);
      await expect(failing).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await db.destroy();
    }
  });

  it('turns a statement timeout into StoreUnavailableError', async () => {
    const db = createDatabase({ url: testDatabaseUrl(), pool: { statement_timeout: 50 } });
    try {
      await expect(databaseCall(() => sql`select pg_sleep(1)`.execute(db))).rejects.toThrow(StoreUnavailableError);
    } finally {
      await db.destroy();
    }
  });

  it('sorts errors into outages and the rest', () => {
    const dbError = (code: string) => Object.assign(new pg.DatabaseError('x', 1, 'error'), { code });
    expect(isDatabaseUnavailable(dbError('08006'))).toBe(true);
    expect(isDatabaseUnavailable(dbError('57P01'))).toBe(true);
    expect(isDatabaseUnavailable(dbError('53300'))).toBe(true);
    expect(isDatabaseUnavailable(dbError('23505'))).toBe(false);
    expect(isDatabaseUnavailable(dbError('42601'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new RangeError('step must be a non-negative integer'))).toBe(false);
    expect(isDatabaseUnavailable('not an error')).toBe(false);
  });
});

describe('describeDatabaseUrl', () => {
  it('shows host, port and database, never credentials', () => {
    expect(describeDatabaseUrl('postgres://u:secret@db.internal:6543/app?sslmode=require')).toBe(
      'db.internal:6543/app',
    );
    expect(describeDatabaseUrl('postgresql://u@localhost/app')).toBe('localhost:5432/app');
    expect(describeDatabaseUrl('not a url')).toBe('(unparsable URL)');
  });
});
