import { prefixedRedis } from '../../test/support/redis.js';
import { MemoryRecoveryCodeStore } from './memory-recovery-code.store.js';
import { recoveryCodeStoreContract } from './recovery-code-store.contract.js';
import { RedisRecoveryCodeStore } from './redis-recovery-code.store.js';

recoveryCodeStoreContract('RedisRecoveryCodeStore', async () => {
  const { client, keyPrefix, cleanup } = await prefixedRedis('rc-store');
  return { store: new RedisRecoveryCodeStore(client, { keyPrefix }), cleanup };
});

recoveryCodeStoreContract('MemoryRecoveryCodeStore', async () => ({ store: new MemoryRecoveryCodeStore() }));
