import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { DeviceStore } from './device-store.js';

/** Options of {@link DevicesModule}. */
export interface DevicesModuleOptions {
  /** Days a remembered browser skips the second factor (`REMEMBER_DEVICE_DAYS`); 0 turns remembering off. */
  rememberDays: number;
  /** Days a browser stays known to an account after its last full sign-in (default 180). */
  knownDays?: number;
  /** `Secure` cookies with the `__Host-` prefix (an https public URL). */
  secure: boolean;
  /** Another {@link DeviceStore}; by default Redis when a client exists, else memory. */
  store?: Type<DeviceStore>;
  /** Redis key prefix of the default store (default `dv`). */
  keyPrefix?: string;
}

/**
 * `DevicesModule.forRoot(options)` / `forRootAsync(...)`, with the extra `isGlobal` (default true).
 * DI errors name the module `Devices`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: DEVICES_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<DevicesModuleOptions>({ moduleName: 'Devices' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link DevicesModuleOptions}). */
export const InjectDevicesOptions = () => Inject(DEVICES_MODULE_OPTIONS);
