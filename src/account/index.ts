export { AccountModule } from './account.module.js';
export { AccountSecurityService, type SecurityState } from './account-security.service.js';
export { AccountEvents } from './account.events.js';
export { NoAuthenticatorError, TotpAlreadyEnabledError } from './account.errors.js';
