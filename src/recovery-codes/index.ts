export { RecoveryCodesModule } from './recovery-codes.module.js';
export {
  type RecoveryCodesModuleOptions,
  RECOVERY_CODES_MODULE_OPTIONS,
  InjectRecoveryCodesOptions,
} from './recovery-codes.module-definition.js';
export { RecoveryCodeFactor } from './recovery-code.factor.js';
export { RecoveryCodeEvents, type RecoveryCodeUsedEvent } from './recovery-codes.events.js';
export {
  RecoveryCodesService,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
  RECOVERY_CODE_LENGTH,
  type RecoveryCodeSet,
} from './recovery-codes.service.js';
export { RecoveryCodeStore } from './recovery-code-store.js';
export { RedisRecoveryCodeStore, type RedisRecoveryCodeStoreOptions } from './redis-recovery-code.store.js';
export { MemoryRecoveryCodeStore } from './memory-recovery-code.store.js';
