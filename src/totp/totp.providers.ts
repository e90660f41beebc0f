import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { parseKeyRing, SecretBox } from '../crypto/index.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { MemoryTotpStore } from './memory-totp.store.js';
import { RedisTotpStore } from './redis-totp.store.js';
import { TOTP_MODULE_OPTIONS, type TotpModuleOptions } from './totp.module-definition.js';
import { TotpStore } from './totp-store.js';

/** Token of the {@link SecretBox} that seals authenticator secrets. */
export const TOTP_SECRET_BOX = Symbol('TOTP_SECRET_BOX');

/** The store (the option's class, else Redis with a client, else memory) and the secret box. */
export const totpProviders: Provider[] = [
  {
    provide: TotpStore,
    useFactory: (o: TotpModuleOptions, redis: RedisClient | null, moduleRef: ModuleRef) => {
      if (o.store) return moduleRef.create(o.store);
      return redis ? new RedisTotpStore(redis, { keyPrefix: o.keyPrefix }) : new MemoryTotpStore();
    },
    inject: [TOTP_MODULE_OPTIONS, { token: REDIS_CLIENT, optional: true }, ModuleRef],
  },
  {
    provide: TOTP_SECRET_BOX,
    // parseKeyRing throws a message naming what to change: the module refuses to start with it.
    useFactory: (o: TotpModuleOptions) => new SecretBox(parseKeyRing(o.encryptionKeys)),
    inject: [TOTP_MODULE_OPTIONS],
  },
];
