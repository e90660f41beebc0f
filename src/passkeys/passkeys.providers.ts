import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { MemoryPasskeyStore } from './memory-passkey.store.js';
import { PasskeyStore } from './passkey-store.js';
import {
  assertPasskeysOptions,
  PASSKEYS_MODULE_OPTIONS,
  type PasskeysModuleOptions,
} from './passkeys.module-definition.js';
import { RedisPasskeyStore } from './redis-passkey.store.js';

/** The store: the option's class, else Redis with a client, else memory. Options are checked first. */
export const passkeysProviders: Provider[] = [
  {
    provide: PasskeyStore,
    useFactory: (o: PasskeysModuleOptions, redis: RedisClient | null, moduleRef: ModuleRef) => {
      // Throws a message naming what to change: the module refuses to start with it.
      assertPasskeysOptions(o);
      if (o.store) return moduleRef.create(o.store);
      return redis ? new RedisPasskeyStore(redis, { keyPrefix: o.keyPrefix }) : new MemoryPasskeyStore();
    },
    inject: [PASSKEYS_MODULE_OPTIONS, { token: REDIS_CLIENT, optional: true }, ModuleRef],
  },
];
