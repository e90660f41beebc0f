import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { DeviceStore } from './device-store.js';
import { DEVICES_MODULE_OPTIONS, type DevicesModuleOptions } from './devices.module-definition.js';
import { MemoryDeviceStore } from './memory-device.store.js';
import { RedisDeviceStore } from './redis-device.store.js';

/** The store: the option's class, else Redis when a client exists, else memory. */
export const devicesProviders: Provider[] = [
  {
    provide: DeviceStore,
    useFactory: (o: DevicesModuleOptions, redis: RedisClient | null, moduleRef: ModuleRef) => {
      if (o.store) return moduleRef.create(o.store);
      return redis ? new RedisDeviceStore(redis, o.keyPrefix ?? 'dv') : new MemoryDeviceStore();
    },
    inject: [DEVICES_MODULE_OPTIONS, { token: REDIS_CLIENT, optional: true }, ModuleRef],
  },
];
