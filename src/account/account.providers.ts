import type { Provider } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { AccountStore } from './account-store.js';
import { MemoryAccountStore } from './memory-account.store.js';
import { RedisAccountStore } from './redis-account.store.js';

/** The {@link AccountStore}: Redis when a client exists, else memory. */
export const accountStoreProvider: Provider = {
  provide: AccountStore,
  useFactory: (redis: RedisClient | null) => (redis ? new RedisAccountStore(redis) : new MemoryAccountStore()),
  inject: [{ token: REDIS_CLIENT, optional: true }],
};
