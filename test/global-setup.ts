import type { TestProject } from 'vitest/node';
import { createDatabase, describeDatabaseUrl } from '../src/database/database.providers.js';
import { migrateToLatest } from '../src/database/migrate.js';
import {
  createTestDatabase,
  dropStaleTestDatabases,
  findLocalPostgres,
  findPostgresBinaries,
  POSTGRES_INSTALL_HINT,
  startPostgresServer,
} from './support/postgres.js';
import { hasRedisServer, pingRedis, REDIS_INSTALL_HINT, startRedisServer } from './support/redis.js';

type Teardown = () => Promise<void>;

/**
 * Picks the services for the run; tests read them with testRedisUrl() and testDatabaseUrl().
 * Teardown undoes everything, in reverse order.
 */
export default async function setup(project: TestProject): Promise<Teardown> {
  const stopRedis = await setupRedis(project);
  let stopPostgres: Teardown;
  try {
    stopPostgres = await setupPostgres(project);
  } catch (err) {
    await stopRedis();
    throw err;
  }
  return async () => {
    try {
      await stopPostgres();
    } finally {
      await stopRedis();
    }
  };
}

/**
 * Redis: $REDIS_URL, else one answering PING on 127.0.0.1:6379 ($TEST_REDIS_PROBE_PORT overrides
 * the probed port), else a redis-server spawned from PATH on a free port and killed in teardown.
 */
async function setupRedis(project: TestProject): Promise<Teardown> {
  let url = process.env.REDIS_URL;
  let teardown: Teardown = async () => {};
  let source = 'REDIS_URL';
  if (!url) {
    const probePort = Number(process.env.TEST_REDIS_PROBE_PORT ?? 6379);
    if (await pingRedis(probePort)) {
      url = `redis://127.0.0.1:${probePort}`;
      source = `existing server on port ${probePort}`;
    } else {
      if (!(await hasRedisServer())) throw new Error(REDIS_INSTALL_HINT);
      const redis = await startRedisServer();
      url = redis.url;
      source = 'spawned redis-server';
      teardown = () => redis.stop();
    }
  }
  const { host } = new URL(url);
  console.log(`[global-setup] Redis at ${host} (${source})`);
  project.provide('redisUrl', url);
  process.env.TEST_REDIS_URL = url;
  return teardown;
}

/**
 * PostgreSQL: the server of $TEST_DATABASE_URL or $DATABASE_URL, else one on 127.0.0.1:5432 that
 * trusts $PGUSER, the OS user or `postgres` ($TEST_POSTGRES_PROBE_PORT overrides the port), else a
 * throw-away server started from the installed binaries and stopped in teardown. On it, a fresh
 * database `nest_mfa_test_<time>_<random>` is created and migrated for the run, and dropped in
 * teardown: tests never write to the database the URL names.
 */
async function setupPostgres(project: TestProject): Promise<Teardown> {
  let serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  let source = process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'DATABASE_URL';
  let stopServer: Teardown = async () => {};
  if (!serverUrl) {
    const probePort = Number(process.env.TEST_POSTGRES_PROBE_PORT ?? 5432);
    const local = await findLocalPostgres(probePort);
    if (local.url !== null) {
      serverUrl = local.url;
      source = `existing server on port ${probePort} as ${local.user}`;
    } else {
      const binaries = await findPostgresBinaries();
      if (!binaries) throw new Error(`${POSTGRES_INSTALL_HINT} (${local.reason})`);
      const server = await startPostgresServer(binaries);
      serverUrl = server.url;
      source = `spawned postgres (${local.reason})`;
      stopServer = () => server.stop();
    }
  }
  try {
    const stale = await dropStaleTestDatabases(serverUrl);
    if (stale.length) console.log(`[global-setup] dropped ${stale.length} stale test database(s)`);
    const database = await createTestDatabase(serverUrl);
    try {
      const db = createDatabase({ url: database.url, pool: { query_timeout: 0 } });
      await migrateToLatest(db).finally(() => db.destroy());
    } catch (err) {
      await database.drop();
      throw err;
    }
    console.log(`[global-setup] PostgreSQL at ${describeDatabaseUrl(database.url)} (${source})`);
    project.provide('databaseUrl', database.url);
    process.env.TEST_DATABASE_URL = database.url;
    return async () => {
      try {
        await database.drop();
      } finally {
        await stopServer();
      }
    };
  } catch (err) {
    await stopServer();
    throw err;
  }
}
