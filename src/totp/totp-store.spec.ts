import { prefixedRedis } from '../../test/support/redis.js';
import { MemoryTotpStore } from './memory-totp.store.js';
import { RedisTotpStore } from './redis-totp.store.js';
import { totpStoreContract } from './totp-store.contract.js';

totpStoreContract('RedisTotpStore', async () => {
  const { client, keyPrefix, cleanup } = await prefixedRedis('totp-store');
  return { store: new RedisTotpStore(client, { keyPrefix }), cleanup };
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
