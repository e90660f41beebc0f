import type { TestProject } from 'vitest/node';
import { hasRedisServer, pingRedis, REDIS_INSTALL_HINT, startRedisServer } from './support/redis.js';

/**
 * Picks the Redis for the run: $REDIS_URL, else one answering PING on 127.0.0.1:6379
 * ($TEST_REDIS_PROBE_PORT overrides the probed port), else a redis-server spawned from PATH
 * on a free port and killed in teardown. Tests read it with testRedisUrl().
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.REDIS_URL;
  let teardown = async (): Promise<void> => {};
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
