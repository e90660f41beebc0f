export { AccountModule } from './account.module.js';
export { AccountSecurityService, type SecurityState } from './account-security.service.js';
export { AccountSessionsService, type SessionView } from './account-sessions.service.js';
export { AccountEvents, type AccountEvent, type NotMeEvent, type SessionRevokedEvent } from './account.events.js';
export { AccountStore, type ActivityEntry, type NotMeGrant } from './account-store.js';
export { RedisAccountStore } from './redis-account.store.js';
export { MemoryAccountStore } from './memory-account.store.js';
export { SecurityNotices, type NoticeContext } from './security-notices.service.js';
export { NotMeService, type Secured } from './not-me.service.js';
export {
  NoAuthenticatorError,
  NotMeLinkError,
  SessionNotFoundError,
  TotpAlreadyEnabledError,
} from './account.errors.js';
