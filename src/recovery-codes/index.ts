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
