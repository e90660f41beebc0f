export { MailModule } from './mail.module.js';
export type { MailModuleOptions } from './mail.module-definition.js';
export { MailSender } from './mail-sender.js';
export { MailService, type CodeMail } from './mail.service.js';
export { MailDispatcher } from './mail.dispatcher.js';
export { SmtpMailSender } from './smtp-mail.sender.js';
export { OutboxMailSender, type OutboxEntry } from './outbox-mail.sender.js';
export type { MailMessage } from './mail.types.js';
