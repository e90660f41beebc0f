import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.module-definition.js';
import { MemoryUserStore } from './users/memory-user.store.js';
import { RedisUserStore } from './users/redis-user.store.js';
import { UserStore } from './users/user-store.js';

/** The {@link UserStore}: the option's class, else Redis when a client exists, else memory. */
export const userStoreProvider: Provider = {
  provide: UserStore,
  useFactory: (o: AuthModuleOptions, redis: RedisClient | null, moduleRef: ModuleRef) => {
    if (o.userStore) return moduleRef.create(o.userStore);
    return redis ? new RedisUserStore(redis, o.userKeyPrefix) : new MemoryUserStore();
  },
  inject: [AUTH_MODULE_OPTIONS, { token: REDIS_CLIENT, optional: true }, ModuleRef],
};
