import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { openTestDatabase } from '../../test/support/postgres.js';
import { testRedisUrl } from '../../test/support/redis.js';
import { MemoryUserStore } from '../auth/users/memory-user.store.js';
import { RedisUserStore } from '../auth/users/redis-user.store.js';
import type { RedisClient } from '../redis/index.js';
import { PostgresUserStore } from './stores/postgres-user.store.js';
import { userStoreContract } from '../auth/users/user-store.contract.js';

userStoreContract('MemoryUserStore', async () => ({ store: new MemoryUserStore() }));

userStoreContract('RedisUserStore', async () => {
  const client: RedisClient = createClient({ url: testRedisUrl() });
  await client.connect();
  const prefix = `test:user-store:${randomUUID()}:`;
  return {
    store: new RedisUserStore(client, prefix),
    async cleanup() {
      try {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
          if (keys.length) await client.unlink(keys);
        }
      } finally {
        client.destroy();
      }
    },
  };
});

// Every test uses fresh random emails, and the run's database is dropped in teardown.
userStoreContract('PostgresUserStore', async () => {
  const db = openTestDatabase();
  return { store: new PostgresUserStore(db), cleanup: () => db.destroy() };
});
