import type { Logger } from '@nestjs/common';
import type { RedisClusterType } from 'redis';
import type { RedisClient } from './redis.constants.js';

/**
 * Reads `maxmemory-policy` of the Redis server (of every primary on a cluster) and warns unless it
 * is `noeviction`: under memory pressure any other policy may evict codes, attempt counters, locks
 * or sessions, and an evicted counter or lock silently lifts a limit. A server that refuses
 * `CONFIG GET` (some managed services) is reported as unchecked, not as an error.
 * @returns the policies read (`address → policy`), empty when none could be read.
 */
export async function checkEvictionPolicy(
  client: RedisClient,
  cluster: boolean,
  logger: Pick<Logger, 'warn' | 'debug'>,
): Promise<Record<string, string>> {
  const policies: Record<string, string> = {};
  try {
    if (cluster) {
      const c = client as unknown as RedisClusterType;
      for (const primary of c.masters) {
        const node = await c.nodeClient(primary);
        policies[primary.address] = (await node.configGet('maxmemory-policy'))['maxmemory-policy'];
      }
    } else {
      policies.redis = (await client.configGet('maxmemory-policy'))['maxmemory-policy'];
    }
  } catch (err) {
    logger.debug(`maxmemory-policy not checked: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
  const evicting = Object.entries(policies).filter(([, p]) => p !== 'noeviction');
  for (const [where, policy] of evicting) {
    logger.warn(
      `Redis ${cluster ? `node ${where} ` : ''}has maxmemory-policy ${policy}: codes, counters, locks and sessions may be evicted under memory pressure. Set maxmemory-policy noeviction.`,
    );
  }
  return policies;
}
