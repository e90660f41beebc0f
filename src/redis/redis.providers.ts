import { Logger, type Provider } from '@nestjs/common';
import { createClient, createCluster } from 'redis';
import { checkEvictionPolicy } from './eviction-policy.js';
import { REDIS_CLIENT, type RedisClient } from './redis.constants.js';
import { REDIS_MODULE_OPTIONS, type RedisModuleOptions } from './redis.module-definition.js';

const logger = new Logger('Redis');

/**
 * Builds the shared client. It fails fast instead of queueing while disconnected
 * (`disableOfflineQueue`), so requests get 503 in time rather than piling up, and it
 * keeps reconnecting in the background (100 ms doubling to at most 2 s apart) so the server
 * recovers without a restart. Once connected, it warns unless `maxmemory-policy` is `noeviction`.
 */
export async function createRedisClient(options: RedisModuleOptions): Promise<RedisClient | null> {
  if (!options.url && !options.clusterNodes?.length) return null;
  let lastError = '';
  const connection = {
    disableOfflineQueue: true,
    // No per-command `timeout` (node-redis arms one of 5 s by default): it costs an abort timer
    // and a listener per command, and does not cover commands already written to a silent
    // socket. Callers put a deadline on each call instead.
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 2000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
    },
  };
  const client: RedisClient = options.clusterNodes?.length
    ? clusterAsClient(options.clusterNodes, connection)
    : createClient({ url: options.url, ...connection });
  client.on('error', (err: Error) => {
    // Reconnect loops repeat the same error: log each distinct one once.
    if (err.message !== lastError) logger.error(`Redis error: ${err.message}`);
    lastError = err.message;
  });
  client.on('ready', () => {
    if (lastError) logger.log('Redis connection restored');
    lastError = '';
  });
  const connecting = client.connect().catch(() => undefined);
  const waited = await Promise.race([
    connecting.then(() => true),
    new Promise<false>((r) => setTimeout(r, options.connectTimeoutMs ?? 2000, false).unref()),
  ]);
  if (waited && client.isReady) {
    await checkEvictionPolicy(client, isCluster(client), logger);
  } else {
    logger.warn('Redis is not reachable yet; retrying in the background');
    // Checked once it connects: a Redis that started after the server is checked all the same.
    void connecting.then(() => (client.isReady ? checkEvictionPolicy(client, isCluster(client), logger) : undefined));
  }
  return client;
}

/**
 * node-redis's cluster client, typed as the single-node client the stores are written against: it
 * answers the same commands (routed by their first key, scripts by `keys`), and the stores only use
 * commands and scripts whose keys share one hash slot. What a cluster client lacks (`SCAN`,
 * `CONFIG` on one node) is guarded with {@link isCluster}. After a failover or a resharding it
 * follows MOVED/ASK redirections and refreshes its slot map by itself.
 */
function clusterAsClient(nodes: string[], defaults: Record<string, unknown>): RedisClient {
  const cluster = createCluster({
    rootNodes: nodes.map((url) => ({ url })),
    defaults,
    // A failover's redirections (MOVED to the promoted replica) are followed a few times, then the
    // command fails and the request answers 503 rather than wait.
    maxCommandRedirections: 4,
  });
  CLUSTERS.add(cluster);
  return cluster as unknown as RedisClient;
}

const CLUSTERS = new WeakSet<object>();

/** True when `client` is a Redis Cluster client (made from `clusterNodes`). */
export function isCluster(client: RedisClient): boolean {
  return CLUSTERS.has(client);
}

/** The shared client ({@link REDIS_CLIENT}), or null without a URL. */
export const redisClientProvider: Provider = {
  provide: REDIS_CLIENT,
  useFactory: createRedisClient,
  inject: [REDIS_MODULE_OPTIONS],
};
