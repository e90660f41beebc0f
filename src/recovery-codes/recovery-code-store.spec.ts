import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { testRedisUrl } from '../../test/support/redis.js';
import type { RedisClient } from '../redis/index.js';
import { MemoryRecoveryCodeStore } from './memory-recovery-code.store.js';
import { recoveryCodeStoreContract } from './recovery-code-store.contract.js';
import { RedisRecoveryCodeStore } from './redis-recovery-code.store.js';

recoveryCodeStoreContract('RedisRecoveryCodeStore', async () => {
  const client: RedisClient = createClient({ url: testRedisUrl() });
  await client.connect();
  const keyPrefix = `test:rc-store:${randomUUID()}:`;
  return {
    store: new RedisRecoveryCodeStore(client, { keyPrefix }),
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

recoveryCodeStoreContract('MemoryRecoveryCodeStore', async () => ({ store: new MemoryRecoveryCodeStore() }));
