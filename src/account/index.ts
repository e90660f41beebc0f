export { AccountModule } from './account.module.js';
export { AccountSecurityService, type SecurityState } from './account-security.service.js';
export { AccountSessionsService, type SessionView } from './account-sessions.service.js';
export { AccountEvents } from './account.events.js';
export { NoAuthenticatorError, SessionNotFoundError, TotpAlreadyEnabledError } from './account.errors.js';
