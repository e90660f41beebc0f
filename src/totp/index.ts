export { TotpModule } from './totp.module.js';
export { type TotpModuleOptions, TOTP_MODULE_OPTIONS, InjectTotpOptions } from './totp.module-definition.js';
export { TotpService } from './totp.service.js';
export { TotpFactor } from './totp.factor.js';
export { TotpEnrolment, TotpConfirmationError, type TotpSetup } from './totp-enrolment.service.js';
export { TotpStore } from './totp-store.js';
export { RedisTotpStore, type RedisTotpStoreOptions } from './redis-totp.store.js';
export { MemoryTotpStore } from './memory-totp.store.js';
export {
  TOTP_DIGITS,
  TOTP_ENROLMENT_TTL_SECONDS,
  TOTP_PERIOD_SECONDS,
  TOTP_WINDOW,
  type TotpCredential,
} from './totp.types.js';
