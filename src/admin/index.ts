export { AdminModule } from './admin.module.js';
export { AdminAccountsService, type AccountCounters, type UnlockResult } from './admin-accounts.service.js';
export { AdminMailService, type FailedMail, type MailRetryKind, type MailRetryOutcome } from './admin-mail.service.js';
export { AdminAudit } from './admin.audit.js';
export { AdminOutput } from './admin.output.js';
export { AdminCommandError } from './admin.errors.js';
export * from './admin.events.js';
