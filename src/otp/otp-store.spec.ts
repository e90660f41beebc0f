import { prefixedRedis } from '../../test/support/redis.js';
import { MemoryOtpStore } from './memory-otp.store.js';
import { otpStoreContract } from './otp-store.contract.js';
import { RedisOtpStore } from './redis-otp.store.js';

otpStoreContract('RedisOtpStore', async () => {
  const { client, keyPrefix, cleanup } = await prefixedRedis('otp-store');
  return { store: new RedisOtpStore(client, { keyPrefix }), cleanup };
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
