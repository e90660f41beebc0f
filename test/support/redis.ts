import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { createClient, createCluster } from 'redis';
import { inject } from 'vitest';
import { RedisOtpStore } from '../../src/otp/index.js';
import type { RedisClient } from '../../src/redis/index.js';

/** A `redis-server` owned by the test process (loopback only; no persistence unless asked for). */
export interface RedisProcess {
  url: string;
  port: number;
  /** Kills the server (SIGKILL) and waits until it has exited. No-op when already stopped. */
  stop(): Promise<void>;
  /**
   * Starts it again on the same port and waits until it answers PING. No-op when running. Empty,
   * unless it was started `persistent`: then with every write it had answered before it stopped.
   */
  start(): Promise<void>;
  /** Stops it for good: kills it, and deletes a persistent server's data. */
  remove(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): Promise<void>;
  /** Thaws a paused server (SIGCONT). */
  resume(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'Redis is needed for the tests: set REDIS_URL, run Redis on 127.0.0.1:6379, or install redis-server ' +
  '(Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis)';

/**
 * Runs redis-server under a shell watchdog that SIGKILLs it as soon as its stdin reaches EOF.
 * Our end of that pipe closes when we call stop() and also whenever this process dies, even
 * by SIGKILL (vitest SIGKILLs workers that do not stop on SIGTERM), so no server is orphaned.
 */
const WATCHDOG = [
  'exec 3<&0 </dev/null', // async lists get /dev/null as stdin: keep the pipe on fd 3
  'redis-server "$@" 3<&- & r=$!',
  '{ cat <&3 >/dev/null; kill -9 $r; } >/dev/null 2>&1 &',
  'exec 3<&-',
  'wait $r',
].join('\n');

const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((c) => c.stdin?.destroy()));

/** The Redis URL chosen by test/global-setup.ts for this run. */
export function testRedisUrl(): string {
  const url = inject('redisUrl') ?? process.env.TEST_REDIS_URL;
  if (!url) throw new Error(`No Redis URL provided (is test/global-setup.ts configured?). ${REDIS_INSTALL_HINT}`);
  return url;
}

/**
 * Seed nodes of the Redis Cluster when the suite runs in the `cluster` project (vitest.config.ts),
 * else undefined: test apps then use `REDIS_CLUSTER_NODES` instead of `REDIS_URL`.
 */
export function testRedisClusterNodes(): string | undefined {
  return inject('redisClusterNodes');
}

/**
 * A connected client of the run's Redis, or of its Redis Cluster in the `cluster` project (typed as
 * one client: suites read single keys, which the cluster client routes). `destroy()` closes it.
 */
export async function connectTestRedis(): Promise<RedisClient> {
  const nodes = testRedisClusterNodes();
  if (nodes) {
    const cluster = createCluster({ rootNodes: nodes.split(',').map((n) => ({ url: `redis://${n}` })) });
    await cluster.connect();
    return cluster as unknown as RedisClient;
  }
  const client: RedisClient = createClient({ url: testRedisUrl() });
  await client.connect();
  return client;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a Redis on host:port answers `+PONG` to an inline PING within timeoutMs. */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    let buf = '';
    const sock = net.connect({ port, host });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

/** True when `redis-server` can be found on PATH. */
export function hasRedisServer(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    c.once('error', () => resolve(false));
    c.once('exit', (code) => resolve(code === 0));
  });
}

/** Spawns a watchdog-guarded redis-server on 127.0.0.1:port and waits until it answers PING. */
async function spawnRedis(port: number, timeoutMs = 10_000, extraArgs: string[] = []): Promise<ChildProcess> {
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', ...extraArgs];
  const child = spawn('sh', ['-c', WATCHDOG, 'redis-watchdog', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  running.add(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    running.delete(child);
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await pingRedis(port))) {
    if (exited || Date.now() > deadline) {
      await killChild(child);
      const why = exited ? 'exited' : `did not answer PING within ${timeoutMs} ms`;
      throw new Error(`redis-server on port ${port} ${why}:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** Sends a signal to the redis-server on `port` (found by its process title `redis-server 127.0.0.1:<port>`). */
function signalRedis(port: number, signal: 'STOP' | 'CONT'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('pkill', [`-${signal}`, '-f', `redis-server 127.0.0.1:${port}`], (err) =>
      err ? reject(new Error(`could not ${signal} redis-server on port ${port}: ${err.message}`)) : resolve(),
    );
  });
}

/** Closes the watchdog's stdin (it SIGKILLs redis-server) and waits for it to exit. */
async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin?.end();
  await exited;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /**
   * Keep the data across `stop()` (SIGKILL) and `start()`: an append-only file fsynced before each
   * write is answered (`appendonly yes`, `appendfsync always`), so whatever a client was told is
   * written survives, and nothing else. In a directory of its own, deleted by `remove()` (call it
   * in afterAll).
   */
  persistent?: boolean;
}

/**
 * Starts a dedicated redis-server (from PATH) on a free loopback port, e.g. for outage tests;
 * `extraArgs` are more redis-server options (e.g. `--maxmemory-policy allkeys-lru`).
 * Call `stop()` in afterAll (`remove()` for a persistent one); it is also killed when the test
 * process exits.
 */
export async function startRedisServer(
  extraArgs: string[] = [],
  options: RedisServerOptions = {},
): Promise<RedisProcess> {
  if (!(await hasRedisServer())) throw new Error(REDIS_INSTALL_HINT);
  const port = await freePort();
  const dir = options.persistent ? await mkdtemp(join(tmpdir(), 'redis-aof-')) : undefined;
  if (dir) extraArgs = [...extraArgs, '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  let child: ChildProcess | undefined = await spawnRedis(port, 10_000, extraArgs);
  const stop = async () => {
    if (child) await killChild(child);
    child = undefined;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async remove() {
      await stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    async start() {
      child ??= await spawnRedis(port, 10_000, extraArgs);
    },
    pause: () => signalRedis(port, 'STOP'),
    resume: () => signalRedis(port, 'CONT'),
  };
}

/** A Redis Cluster of loopback redis-servers owned by the test process. */
export interface RedisClusterProcess {
  /** Seed nodes, `redis://127.0.0.1:<port>` (every node: primaries first). */
  nodes: string[];
  /** Ports of the primaries and of their replicas. */
  primaries: number[];
  replicas: number[];
  /** Promotes the replica of the primary on `primaryPort` (`CLUSTER FAILOVER` on the replica), and waits until it serves. */
  failover(primaryPort: number): Promise<void>;
  /**
   * Reshards one slot: moves `slot` and its keys from the primary serving it to the primary on
   * `toPort`, as `redis-cli --cluster reshard` does for each slot (IMPORTING / MIGRATING, `MIGRATE`
   * of its keys, then `SETSLOT NODE` on every primary), and waits until every node agrees.
   */
  moveSlot(slot: number, toPort: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of 3 primaries and 3 replicas on free loopback ports (redis-server with
 * `--cluster-enabled yes`, joined by `redis-cli --cluster create`), and waits until every node says
 * `cluster_state:ok`. Killed in `stop()` or when the test process exits.
 */
export async function startRedisCluster(): Promise<RedisClusterProcess> {
  if (!(await hasRedisServer())) throw new Error(REDIS_INSTALL_HINT);
  const dir = await mkdtemp(join(tmpdir(), 'redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < 6) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => killChild(c)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      children.push(
        await spawnRedis(port, 10_000, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
        ]),
      );
    }
    await new Promise<void>((resolve, reject) =>
      execFile(
        'redis-cli',
        ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
        { timeout: 30_000 },
        (err, _out, stderr) =>
          err ? reject(new Error(`redis-cli --cluster create failed: ${stderr || err.message}`)) : resolve(),
      ),
    );
    await waitForCluster(ports);
    const roles = await Promise.all(ports.map((p) => nodeRole(p)));
    const primaries = ports.filter((_, i) => roles[i] === 'master');
    const replicas = ports.filter((_, i) => roles[i] === 'slave');
    return {
      nodes: [...primaries, ...replicas].map((p) => `redis://127.0.0.1:${p}`),
      primaries,
      replicas,
      async failover(primaryPort) {
        const replica = await replicaOf(primaryPort, replicas);
        const client = createClient({ url: `redis://127.0.0.1:${replica}` });
        await client.connect();
        try {
          await client.sendCommand(['CLUSTER', 'FAILOVER']);
          const deadline = Date.now() + 15_000;
          while ((await nodeRole(replica)) !== 'master') {
            if (Date.now() > deadline) throw new Error(`the replica on ${replica} was not promoted`);
            await new Promise((r) => setTimeout(r, 100));
          }
        } finally {
          client.destroy();
        }
        await waitForCluster(ports);
      },
      async moveSlot(slot, toPort) {
        const current = (await Promise.all(ports.map((p) => nodeRole(p)))).flatMap((r, i) =>
          r === 'master' ? [ports[i]] : [],
        );
        const connect = async (port: number) => {
          const client = createClient({ url: `redis://127.0.0.1:${port}` });
          await client.connect();
          return client;
        };
        const clients = new Map(await Promise.all(current.map(async (p) => [p, await connect(p)] as const)));
        try {
          const idOf = async (port: number) => await clients.get(port)!.sendCommand<string>(['CLUSTER', 'MYID']);
          let fromPort: number | undefined;
          for (const port of current) {
            const mine = (await clients.get(port)!.sendCommand<string>(['CLUSTER', 'NODES']))
              .split('\n')
              .find((l) => l.includes('myself'))!;
            const owns = mine
              .split(' ')
              .slice(8)
              .some((range) => {
                const [a, b = a] = range.split('-').map(Number);
                return slot >= a && slot <= b;
              });
            if (owns) fromPort = port;
          }
          if (fromPort === undefined) throw new Error(`no primary serves slot ${slot}`);
          if (fromPort === toPort) return;
          const [fromId, toId] = [await idOf(fromPort), await idOf(toPort)];
          const from = clients.get(fromPort)!;
          const to = clients.get(toPort)!;
          await to.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId]);
          await from.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId]);
          for (;;) {
            const keys = await from.sendCommand<string[]>(['CLUSTER', 'GETKEYSINSLOT', String(slot), '100']);
            if (keys.length === 0) break;
            await from.sendCommand(['MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'KEYS', ...keys]);
          }
          for (const client of [to, from, ...clients.values()]) {
            await client.sendCommand(['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId]);
          }
        } finally {
          for (const client of clients.values()) client.destroy();
        }
        await waitForCluster(ports);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `master` or `slave`, as the node on `port` says of itself. */
async function nodeRole(port: number): Promise<string> {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  await client.connect();
  try {
    const info = await client.info('replication');
    return /role:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.destroy();
  }
}

/** The replica (among `replicas`) whose primary is the node on `primaryPort`. */
async function replicaOf(primaryPort: number, replicas: number[]): Promise<number> {
  for (const port of replicas) {
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    await client.connect();
    try {
      if ((await client.info('replication')).includes(`master_port:${primaryPort}`)) return port;
    } finally {
      client.destroy();
    }
  }
  throw new Error(`no replica of the primary on ${primaryPort}`);
}

/** Waits until every node answers `cluster_state:ok` and knows all 16384 slots. */
async function waitForCluster(ports: number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    await client.connect();
    try {
      for (;;) {
        const info = await client.sendCommand<string>(['CLUSTER', 'INFO']);
        if (info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384')) break;
        if (Date.now() > deadline) throw new Error(`the cluster node on ${port} is not ready:\n${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.destroy();
    }
  }
}

/** Deletes the keys matching a glob pattern using SCAN + UNLINK (never FLUSHALL: Redis may be shared). */
export async function flushKeys(url: string, pattern: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  try {
    let deleted = 0;
    for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) {
      if (keys.length) deleted += await client.unlink(keys);
    }
    return deleted;
  } finally {
    client.destroy();
  }
}

/**
 * A client of the test Redis and a key prefix of its own, for a store's contract run: `cleanup`
 * deletes every key under the prefix and closes the client.
 */
export async function prefixedRedis(
  name: string,
): Promise<{ client: RedisClient; keyPrefix: string; cleanup: () => Promise<void> }> {
  const client: RedisClient = createClient({ url: testRedisUrl() });
  await client.connect();
  const keyPrefix = `test:${name}:${randomUUID()}:`;
  return {
    client,
    keyPrefix,
    async cleanup() {
      try {
        for await (const keys of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 500 })) {
          if (keys.length) await client.unlink(keys);
        }
      } finally {
        client.destroy();
      }
    },
  };
}

/** The Redis key the OTP store keeps `kind` (`c` challenge, `f` failures, `l` lock, `s` sends) of `id` under. */
export const otpKey = (kind: 'c' | 'f' | 'l' | 's', id: string): string => RedisOtpStore.keyOf(kind, id);
