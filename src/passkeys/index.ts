export { PasskeysModule } from './passkeys.module.js';
export {
  type PasskeysModuleOptions,
  PASSKEYS_MODULE_OPTIONS,
  InjectPasskeysOptions,
} from './passkeys.module-definition.js';
export { PasskeyRegistration, type PasskeyView, type PasskeyActor } from './passkey-registration.service.js';
export { PasskeySignIn } from './passkey-sign-in.service.js';
export { PasskeyFactor } from './passkey.factor.js';
export { PasskeyStore } from './passkey-store.js';
export { RedisPasskeyStore, type RedisPasskeyStoreOptions } from './redis-passkey.store.js';
export { MemoryPasskeyStore } from './memory-passkey.store.js';
export { AddPasskeyDto, RenamePasskeyDto, PasskeyAssertionDto } from './dto/passkey.dto.js';
export * from './passkeys.errors.js';
export * from './passkeys.events.js';
export {
  type PasskeyCredential,
  type PasskeyUse,
  PASSKEY_CHALLENGE_TTL_SECONDS,
  PASSKEY_NAME_MAX,
  PASSKEYS_PER_ACCOUNT_MAX,
} from './passkey.types.js';
