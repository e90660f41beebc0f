import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { MemoryRecoveryCodeStore } from './memory-recovery-code.store.js';
import { RECOVERY_CODES_MODULE_OPTIONS, type RecoveryCodesModuleOptions } from './recovery-codes.module-definition.js';
import { RecoveryCodesService } from './recovery-codes.service.js';
import { RecoveryCodeStore } from './recovery-code-store.js';
import { RedisRecoveryCodeStore } from './redis-recovery-code.store.js';

/** The service (with the module's key) and the store (the option's class, else Redis, else memory). */
export const recoveryCodesProviders: Provider[] = [
  {
    provide: RecoveryCodesService,
    useFactory: (o: RecoveryCodesModuleOptions) => new RecoveryCodesService(o.secret),
    inject: [RECOVERY_CODES_MODULE_OPTIONS],
  },
  {
    provide: RecoveryCodeStore,
    useFactory: (o: RecoveryCodesModuleOptions, redis: RedisClient | null, moduleRef: ModuleRef) => {
      if (o.store) return moduleRef.create(o.store);
      return redis ? new RedisRecoveryCodeStore(redis, { keyPrefix: o.keyPrefix }) : new MemoryRecoveryCodeStore();
    },
    inject: [RECOVERY_CODES_MODULE_OPTIONS, { token: REDIS_CLIENT, optional: true }, ModuleRef],
  },
];
