export { OtpModule } from './otp.module.js';
export { type OtpModuleOptions, OTP_MODULE_OPTIONS, InjectOtpOptions } from './otp.module-definition.js';
export { OtpService, type IssuedCode, type StartChallenge } from './otp.service.js';
export { OtpThrottleService } from './otp-throttle.service.js';
export { OtpStore } from './otp-store.js';
export { RedisOtpStore } from './redis-otp.store.js';
export { MemoryOtpStore } from './memory-otp.store.js';
export * from './otp.errors.js';
export type * from './otp.types.js';
