export { DevicesModule } from './devices.module.js';
export {
  type DevicesModuleOptions,
  DEVICES_MODULE_OPTIONS,
  InjectDevicesOptions,
} from './devices.module-definition.js';
export { DevicesService, type FoundDevice } from './devices.service.js';
export { DeviceStore, type DeviceKind, type DeviceRecord } from './device-store.js';
export { RedisDeviceStore } from './redis-device.store.js';
export { MemoryDeviceStore } from './memory-device.store.js';
