import { Module } from '@nestjs/common';
import { DeviceStore } from './device-store.js';
import { ConfigurableModuleClass, DEVICES_MODULE_OPTIONS } from './devices.module-definition.js';
import { devicesProviders } from './devices.providers.js';
import { DevicesService } from './devices.service.js';

/** Browsers an account trusts: remembered (skip the second factor) and known (not held by the lock). */
@Module({
  providers: [...devicesProviders, DevicesService],
  exports: [DevicesService, DeviceStore, DEVICES_MODULE_OPTIONS],
})
export class DevicesModule extends ConfigurableModuleClass {}
