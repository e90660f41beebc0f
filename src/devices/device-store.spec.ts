import { prefixedRedis } from '../../test/support/redis.js';
import { deviceStoreContract } from './device-store.contract.js';
import { MemoryDeviceStore } from './memory-device.store.js';
import { RedisDeviceStore } from './redis-device.store.js';

deviceStoreContract('RedisDeviceStore', async () => {
  const { client, keyPrefix, cleanup } = await prefixedRedis('device-store');
  return { store: new RedisDeviceStore(client, keyPrefix), cleanup };
});

deviceStoreContract('MemoryDeviceStore', async () => ({ store: new MemoryDeviceStore() }));
