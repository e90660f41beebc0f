import { Test } from '@nestjs/testing';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  openTestDatabase,
  type TestDatabase,
  testDatabaseUrl,
} from '../../test/support/postgres.js';
import { freePort } from '../../test/support/redis.js';
import { DATABASE } from './database.constants.js';
import { DatabaseSchemaError } from './database.errors.js';
import { DatabaseModule } from './database.module.js';
import type { Database } from './database.types.js';
import { createMigrator, migrateToLatest, pendingMigrations, runMigrateCommand } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

const ALL = Object.keys(MIGRATIONS);
const TABLES = [
  'accounts',
  'devices',
  'passkey_challenges',
  'passkey_credentials',
  'recovery_codes',
  'totp_credentials',
  'totp_pending',
];

async function publicTables(db: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

function boot(url: string, schemaCheck?: boolean) {
  return Test.createTestingModule({ imports: [DatabaseModule.forRoot({ url, schemaCheck })] }).compile();
}

/** Collects what runMigrateCommand prints. */
function capture() {
  const lines: string[] = [];
  return {
    lines,
    out: { log: (m: string) => lines.push(`log: ${m}`), error: (m: string) => lines.push(`error: ${m}`) },
  };
}

describe('migrations', () => {
  // Each test gets its own empty database on the test server; afterEach drops it.
  const cleanups: (() => Promise<void>)[] = [];
  async function freshDatabase(): Promise<{ fresh: TestDatabase; db: Database }> {
    const fresh = await createTestDatabase(testDatabaseUrl());
    const db = openTestDatabase(fresh.url);
    cleanups.push(
      () => fresh.drop(),
      () => db.destroy(),
    );
    return { fresh, db };
  }

  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  it('are listed in order, starting with 0001_accounts', () => {
    expect(ALL[0]).toBe('0001_accounts');
    expect([...ALL].sort()).toEqual(ALL);
  });

  it('take an empty database to the latest schema, and the module boots only then', async () => {
    const { fresh, db } = await freshDatabase();

    expect(await pendingMigrations(db)).toEqual(ALL);
    // Asking is read-only: not even Kysely's bookkeeping tables appear.
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from information_schema.tables where table_schema = 'public'`.execute(db);
    expect(Number(rows[0].n)).toBe(0);

    const refused = boot(fresh.url);
    await expect(refused).rejects.toThrow(DatabaseSchemaError);
    await expect(refused).rejects.toThrow(
      `The database schema is behind: ${ALL.length} migration(s) pending (${ALL.join(', ')}). Run \`npm run db:migrate\`.`,
    );

    expect(await migrateToLatest(db)).toEqual(ALL);
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await publicTables(db)).toEqual(TABLES);

    const app = await boot(fresh.url);
    expect(await sql<{ one: number }>`select 1 as one`.execute(app.get<Database>(DATABASE))).toMatchObject({
      rows: [{ one: 1 }],
    });
    await app.close();

    expect(await migrateToLatest(db)).toEqual([]);
    expect(await pendingMigrations(db)).toEqual([]);
  });

  it('the message counts and names only what is still pending', () => {
    expect(new DatabaseSchemaError(['0002_a', '0003_b']).message).toBe(
      'The database schema is behind: 2 migration(s) pending (0002_a, 0003_b). Run `npm run db:migrate`.',
    );
  });

  it('boot with schemaCheck: false skips the check', async () => {
    const { fresh } = await freshDatabase();
    const app = await boot(fresh.url, false);
    expect(app.get(DATABASE)).toBeDefined();
    await app.close();
  });

  it('apply each migration once when several processes migrate at the same time', async () => {
    const { fresh } = await freshDatabase();
    const dbs = Array.from({ length: 3 }, () => openTestDatabase(fresh.url));
    try {
      const applied = await Promise.all(dbs.map((db) => migrateToLatest(db)));
      expect(applied.flat()).toEqual(ALL);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  });

  it('down undoes up', async () => {
    const { db } = await freshDatabase();
    await migrateToLatest(db);
    for (let i = ALL.length - 1; i >= 0; i--) expect((await createMigrator(db).migrateDown()).error).toBeUndefined();
    expect(await publicTables(db)).toEqual([]);
    expect(await pendingMigrations(db)).toEqual(ALL);
  });

  describe('the db:migrate command', () => {
    it('says how to set DATABASE_URL when it is missing', async () => {
      const { lines, out } = capture();
      expect(await runMigrateCommand(undefined, openTestDatabase, out)).toBe(1);
      expect(await runMigrateCommand('', openTestDatabase, out)).toBe(1);
      expect(lines).toEqual([
        expect.stringMatching(/^error: DATABASE_URL is not set/),
        expect.stringMatching(/^error: DATABASE_URL/),
      ]);
    });

    it('prints what it applied, then that the schema is up to date', async () => {
      const { fresh } = await freshDatabase();
      const first = capture();
      expect(await runMigrateCommand(fresh.url, openTestDatabase, first.out)).toBe(0);
      expect(first.lines).toEqual(ALL.map((name) => `log: Applied ${name}`));
      const second = capture();
      expect(await runMigrateCommand(fresh.url, openTestDatabase, second.out)).toBe(0);
      expect(second.lines).toEqual([`log: The schema is up to date (${ALL.length} migration(s)).`]);
    });

    it('fails with the reason when the server does not answer', async () => {
      const { lines, out } = capture();
      const url = `postgres://someone:s3cret@127.0.0.1:${await freePort()}/nowhere`;
      expect(await runMigrateCommand(url, openTestDatabase, out)).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: .*ECONNREFUSED/);
      expect(lines[0]).not.toContain('s3cret');
    });
  });
});
