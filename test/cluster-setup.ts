import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './support/redis.js';

type Teardown = () => Promise<void>;

/**
 * Global setup of the `cluster` project: the sign-in suites it lists run against a Redis Cluster
 * instead of one Redis server. $TEST_REDIS_CLUSTER_NODES (comma list of `host:port`, as `.ci/run`
 * starts it) is used when set, else a 3-primary, 3-replica cluster is started on loopback ports.
 */
export default async function setup(project: TestProject): Promise<Teardown> {
  const given = process.env.TEST_REDIS_CLUSTER_NODES;
  if (given) {
    console.log(`[cluster-setup] Redis Cluster at ${given} (TEST_REDIS_CLUSTER_NODES)`);
    project.provide('redisClusterNodes', given);
    return async () => {};
  }
  const cluster = await startRedisCluster();
  const nodes = cluster.nodes.map((u) => new URL(u).host).join(',');
  console.log(`[cluster-setup] Redis Cluster at ${nodes} (spawned, 3 primaries and 3 replicas)`);
  project.provide('redisClusterNodes', nodes);
  return () => cluster.stop();
}
