import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase } from '../../src/database/database.providers.js';
import type { Database } from '../../src/database/database.types.js';
import { freePort } from './redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of this run's migrated database, made by test/global-setup.ts (also in process.env.TEST_DATABASE_URL). */
    databaseUrl: string;
  }
}

/** Why the tests cannot run without PostgreSQL, and the ways to give them one. */
export const POSTGRES_INSTALL_HINT =
  'PostgreSQL is needed for the tests: set TEST_DATABASE_URL (or DATABASE_URL) to a server where the role may ' +
  'create databases, run PostgreSQL on 127.0.0.1:5432 with trust authentication for your user or `postgres`, ' +
  'or install it so the tests can start their own (Debian/Ubuntu: sudo apt-get install -y postgresql; ' +
  'macOS: brew install postgresql)';

/** Prefix of every database the tests create; teardown drops them, and later runs sweep stale ones. */
export const TEST_DATABASE_PREFIX = 'nest_mfa_test_';
/** A test database older than this is a leftover of a run that was killed before its teardown. */
const STALE_AFTER_SECONDS = 24 * 3600;

/** The URL of this run's database, chosen and migrated by test/global-setup.ts. */
export function testDatabaseUrl(): string {
  const url = inject('databaseUrl') ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error(`No database URL provided (is test/global-setup.ts configured?). ${POSTGRES_INSTALL_HINT}`);
  return url;
}

/** A {@link Database} on `url` (default: this run's), for specs; `destroy()` it when done. */
export function openTestDatabase(url = testDatabaseUrl()): Database {
  return createDatabase({ url });
}

/** `url` with another database name. */
function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `fn` on one short-lived connection to `url`. */
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database made for tests; {@link drop} removes it, closing any connection still open to it. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database `nest_mfa_test_<unix seconds>_<random>` on the server of `serverUrl`
 * (the role must be allowed to create databases) and returns its URL; the rest of the URL
 * (user, password, host, parameters) is kept.
 * @throws Error saying what to grant when the role may not create databases.
 */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, async (client) => {
    try {
      await client.query(`create database ${name}`);
    } catch (err) {
      if (err instanceof pg.DatabaseError && err.code === '42501') {
        throw new Error(
          `The role ${client.user} may not create databases on ${client.host}:${client.port}: ` +
            `grant it (ALTER ROLE "${client.user}" CREATEDB) or point TEST_DATABASE_URL at another role.`,
          { cause: err },
        );
      }
      throw err;
    }
  });
  return { name, url: withDatabase(serverUrl, name), drop: () => dropDatabase(serverUrl, name) };
}

/** Drops `name` on the server of `serverUrl`, ending its open connections first (a test that leaked a pool). */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  // Connected to a test database, DROP would refuse (this one) or fail once that one is gone (a
  // second project's setup sees the first one's URL): go through the maintenance database.
  const via = new URL(serverUrl).pathname.startsWith(`/${TEST_DATABASE_PREFIX}`)
    ? withDatabase(serverUrl, 'postgres')
    : serverUrl;
  await withClient(via, async (client) => {
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
    await client.query(`drop database if exists ${name}`);
  });
}

/**
 * Drops the test databases of runs that were killed before their teardown (older than a day, by
 * the time in their name). Never touches a database without the test prefix. Returns their names.
 */
export async function dropStaleTestDatabases(serverUrl: string): Promise<string[]> {
  const cutoff = Math.floor(Date.now() / 1000) - STALE_AFTER_SECONDS;
  const { rows } = await withClient(serverUrl, (client) =>
    client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [
      TEST_DATABASE_PREFIX,
    ]),
  );
  const stale = rows
    .map((r) => r.datname)
    .filter((name) => Number(/^nest_mfa_test_(\d+)_[0-9a-f]+$/.exec(name)?.[1] ?? Infinity) < cutoff);
  for (const name of stale) await dropDatabase(serverUrl, name).catch(() => undefined);
  return stale;
}

/** What {@link findLocalPostgres} found on a port. */
export type LocalPostgres = { url: string; user: string } | { url: null; reason: string };

/**
 * Looks for a server on 127.0.0.1:`port` that lets one of `$PGUSER`, the OS user or `postgres` in
 * without a password (trust authentication), and returns a URL to its `postgres` database.
 */
export async function findLocalPostgres(port: number): Promise<LocalPostgres> {
  let osUser: string | undefined;
  try {
    osUser = os.userInfo().username;
  } catch {
    // A container user without a passwd entry: only $PGUSER and postgres are tried.
  }
  const users = [...new Set([process.env.PGUSER, osUser, 'postgres'].filter((u): u is string => !!u))];
  const refusals: string[] = [];
  for (const user of users) {
    const url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/postgres`;
    try {
      await withClient(url, (client) => client.query('select 1'));
      return { url, user };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Nobody listening: no point trying other user names.
      if (/ECONNREFUSED|timeout/i.test(message)) return { url: null, reason: `nothing answers on 127.0.0.1:${port}` };
      refusals.push(`${user}: ${message}`);
    }
  }
  return { url: null, reason: `the server on 127.0.0.1:${port} refused ${refusals.join('; ')}` };
}

/** Where `initdb` and `postgres` are. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

async function executable(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * `initdb` and `postgres` from PATH, else from the newest Debian `/usr/lib/postgresql/<version>/bin`
 * (the Debian package keeps them off PATH). Null when neither has them.
 */
export async function findPostgresBinaries(): Promise<PostgresBinaries | null> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  versions.sort((a, b) => Number(b) - Number(a));
  dirs.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  for (const dir of dirs) {
    const initdb = path.join(dir, 'initdb');
    const postgres = path.join(dir, 'postgres');
    if ((await executable(initdb)) && (await executable(postgres))) return { initdb, postgres };
  }
  return null;
}

/** A private PostgreSQL server owned by the test process (throw-away data directory, loopback only). */
export interface PostgresProcess {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, trust authentication. */
  url: string;
  port: number;
  /** Shuts the server down (fast shutdown), waits for it, and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * Runs the server under a shell watchdog that stops it (SIGINT: fast shutdown) as soon as its stdin
 * reaches EOF: when we call stop(), and also whenever this process dies, even by SIGKILL. Then it
 * deletes the temporary directory (its first argument), which this process may no longer be alive to do.
 */
const WATCHDOG = [
  'dir=$1; shift',
  'exec 3<&0 </dev/null',
  '"$@" 3<&- & r=$!',
  '{ cat <&3 >/dev/null; kill -INT $r; } >/dev/null 2>&1 &',
  'exec 3<&-',
  'wait $r',
  'rm -rf "$dir"',
].join('\n');

/** Runs a command, as the `postgres` OS user when we are root (initdb and postgres refuse root). */
function spawnAs(asPostgres: boolean, argv: string[], stdin: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  const [cmd, ...args] = asPostgres ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  return spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'] });
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const collect = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => output.trim();
}

async function run(asPostgres: boolean, argv: string[]): Promise<void> {
  const child = spawnAs(asPostgres, argv);
  const output = collectOutput(child);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${path.basename(argv[0])} exited with ${code}:\n${output()}`);
}

/**
 * Starts a throw-away PostgreSQL on a free loopback port: `initdb` into a temporary directory
 * (trust authentication, superuser `postgres`), then `postgres` with durability off, as the
 * `postgres` OS user when running as root. Waits until it accepts connections.
 */
export async function startPostgresServer(binaries: PostgresBinaries, timeoutMs = 30_000): Promise<PostgresProcess> {
  const asPostgres = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nest-mfa-pg-'));
  const data = path.join(dir, 'data');
  if (asPostgres) {
    const uid = Number(await idOf('-u'));
    const gid = Number(await idOf('-g'));
    await chown(dir, uid, gid);
  }
  await run(asPostgres, [
    binaries.initdb,
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort();
  const args = [
    binaries.postgres,
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ];
  const child = spawnAs(asPostgres, ['sh', '-c', WATCHDOG, 'pg-watchdog', dir, ...args], 'pipe');
  const output = collectOutput(child);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stopChild = async (): Promise<void> => {
    if (!exited) child.stdin?.end();
    await exit;
  };
  process.once('exit', () => child.stdin?.destroy());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await findLocalPostgres(port)).url !== null) break;
    if (exited || Date.now() > deadline) {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
      const why = exited ? 'exited' : `did not accept connections within ${timeoutMs} ms`;
      throw new Error(`postgres on port ${port} ${why}:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    async stop() {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `id -u postgres` or `id -g postgres`. */
function idOf(flag: '-u' | '-g'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('id', [flag, 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(out.trim())
        : reject(new Error('Running as root needs a `postgres` OS user to run PostgreSQL')),
    );
  });
}
