import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Redis URL chosen by test/global-setup.ts (also in process.env.TEST_REDIS_URL). */
    redisUrl: string;
    /** Seed nodes (`host:port,...`) of the Redis Cluster of the `cluster` project (test/cluster-setup.ts). */
    redisClusterNodes?: string;
  }
}
