export { PasswordsModule } from './passwords.module.js';
export {
  type PasswordsModuleOptions,
  PASSWORDS_DEFAULTS,
  PASSWORDS_MODULE_OPTIONS,
  InjectPasswordsOptions,
} from './passwords.module-definition.js';
export { PasswordPolicy } from './password-policy.service.js';
export { DEFAULT_PASSWORD_LIST_FILE, normalizeForList, SortedPasswordList } from './sorted-password-list.js';
