import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type RedisClusterProcess,
  type RedisProcess,
  startRedisCluster,
  startRedisServer,
} from '../../test/support/redis.js';
import { checkEvictionPolicy } from './eviction-policy.js';
import { createRedisClient, isCluster } from './redis.providers.js';
import type { RedisClient } from './redis.constants.js';

/** A logger that keeps what it was told. */
function recorder() {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    warn: (message: string) => void lines.push({ level: 'warn', message }),
    debug: (message: string) => void lines.push({ level: 'debug', message }),
  };
}

describe('checkEvictionPolicy (real redis-servers)', { timeout: 60_000 }, () => {
  const servers: RedisProcess[] = [];
  let cluster: RedisClusterProcess;
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    servers.push(await startRedisServer(['--maxmemory-policy', 'allkeys-lru']));
    servers.push(await startRedisServer(['--maxmemory-policy', 'noeviction']));
    servers.push(await startRedisServer(['--rename-command', 'CONFIG', '""']));
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.stop()));
    await cluster?.stop();
  });

  async function connect(options: {
    url?: string;
    clusterNodes?: string[];
    connectTimeoutMs?: number;
  }): Promise<RedisClient> {
    const client = await createRedisClient(options);
    if (!client) throw new Error('no client');
    clients.push(client);
    return client;
  }

  it('warns when the policy may evict keys, naming the policy and the fix', async () => {
    const log = recorder();
    const policies = await checkEvictionPolicy(await connect({ url: servers[0].url }), false, log);
    expect(policies).toEqual({ redis: 'allkeys-lru' });
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(/maxmemory-policy allkeys-lru: .*Set maxmemory-policy noeviction/),
      },
    ]);
  });

  it('checks a Redis that was not reachable at start once it connects', async () => {
    const late = await startRedisServer(['--maxmemory-policy', 'allkeys-lru']);
    servers.push(late);
    await late.stop();
    const warn = vi.spyOn(Logger.prototype, 'warn');
    try {
      const client = await connect({ url: late.url, connectTimeoutMs: 200 });
      expect(client.isReady).toBe(false);
      const said = () => warn.mock.calls.map((c) => String(c[0]));
      expect(said()).toContainEqual(expect.stringMatching(/not reachable yet/));
      expect(said().some((m) => /maxmemory-policy allkeys-lru/.test(m))).toBe(false);
      await late.start();
      await vi.waitFor(() => expect(said()).toContainEqual(expect.stringMatching(/maxmemory-policy allkeys-lru/)), {
        timeout: 10_000,
        interval: 50,
      });
    } finally {
      warn.mockRestore();
    }
  });

  it('says nothing for noeviction', async () => {
    const log = recorder();
    expect(await checkEvictionPolicy(await connect({ url: servers[1].url }), false, log)).toEqual({
      redis: 'noeviction',
    });
    expect(log.lines).toEqual([]);
  });

  it('reports a server that refuses CONFIG as unchecked (debug), never failing', async () => {
    const log = recorder();
    expect(await checkEvictionPolicy(await connect({ url: servers[2].url }), false, log)).toEqual({});
    expect(log.lines.map((l) => l.level)).toEqual(['debug']);
  });

  it('reads every primary of a Redis Cluster', async () => {
    const log = recorder();
    const client = await connect({ clusterNodes: cluster.nodes });
    expect(isCluster(client)).toBe(true);
    const policies = await checkEvictionPolicy(client, true, log);
    expect(Object.keys(policies)).toHaveLength(3);
    // The test cluster's nodes run with Redis' default policy, noeviction.
    expect(Object.values(policies)).toEqual(['noeviction', 'noeviction', 'noeviction']);
    expect(log.lines).toEqual([]);
  });
});
