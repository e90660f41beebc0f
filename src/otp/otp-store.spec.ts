import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { testRedisUrl } from '../../test/support/redis.js';
import type { RedisClient } from '../redis/index.js';
import { MemoryOtpStore } from './memory-otp.store.js';
import { otpStoreContract } from './otp-store.contract.js';
import { RedisOtpStore } from './redis-otp.store.js';

otpStoreContract('RedisOtpStore', async () => {
  const client: RedisClient = createClient({ url: testRedisUrl() });
  await client.connect();
  const keyPrefix = `test:otp-store:${randomUUID()}:`;
  return {
    store: new RedisOtpStore(client, { keyPrefix }),
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

otpStoreContract('MemoryOtpStore', async () => {
  const store = new MemoryOtpStore();
  return {
    store,
    async cleanup() {
      store.onModuleDestroy();
    },
  };
});
