import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { testRedisUrl } from '../../test/support/redis.js';
import type { RedisClient } from '../redis/index.js';
import { MemoryTotpStore } from './memory-totp.store.js';
import { RedisTotpStore } from './redis-totp.store.js';
import { totpStoreContract } from './totp-store.contract.js';

totpStoreContract('RedisTotpStore', async () => {
  const client: RedisClient = createClient({ url: testRedisUrl() });
  await client.connect();
  const keyPrefix = `test:totp-store:${randomUUID()}:`;
  return {
    store: new RedisTotpStore(client, { keyPrefix }),
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
});

totpStoreContract('MemoryTotpStore', async () => {
  const store = new MemoryTotpStore();
  return {
    store,
    async cleanup() {
      store.onModuleDestroy();
    },
  };
});
