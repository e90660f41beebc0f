import { prefixedRedis } from '../../test/support/redis.js';
import { MemoryPasskeyStore } from './memory-passkey.store.js';
import { passkeyStoreContract } from './passkey-store.contract.js';
import { RedisPasskeyStore } from './redis-passkey.store.js';

passkeyStoreContract('RedisPasskeyStore', async () => {
  const { client, keyPrefix, cleanup } = await prefixedRedis('passkey-store');
  return { store: new RedisPasskeyStore(client, { keyPrefix }), cleanup };
});

passkeyStoreContract('MemoryPasskeyStore', async () => {
  const store = new MemoryPasskeyStore();
  return { store, cleanup: async () => store.onModuleDestroy() };
});
