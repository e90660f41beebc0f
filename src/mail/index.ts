export { MailModule } from './mail.module.js';
export {
  type MailModuleOptions,
  type MailQueueOptions,
  MAIL_MODULE_OPTIONS,
  InjectMailOptions,
} from './mail.module-definition.js';
export { MailSender } from './mail-sender.js';
export { MailService, type CodeMail } from './mail.service.js';
export { MailDispatcher } from './mail.dispatcher.js';
export { MailQueue } from './mail-queue.js';
export { InProcessMailQueue } from './in-process-mail.queue.js';
export { BullMailQueue, type StoredMailJob } from './bullmq-mail.queue.js';
export { MailWorker } from './mail.worker.js';
export { MailRenderer, type CodeMailContext } from './mail.renderer.js';
export { MailDelivery, type MailRetry, DEFAULT_MAIL_RETRY } from './mail.delivery.js';
export { MailHandoffMiddleware } from './mail-handoff.middleware.js';
export { SmtpMailSender } from './smtp-mail.sender.js';
export { OutboxMailSender, type OutboxEntry } from './outbox-mail.sender.js';
export type { MailMessage, MailJob, TemplateMailJob, RenderedMailJob, RedactedMailJob } from './mail.types.js';
export { MailDeliveryError, isPermanentFailure } from './mail.errors.js';
export {
  MailEvents,
  type MailUndeliverableEvent,
  type MailQueuedEvent,
  type MailSentEvent,
  type MailRetryingEvent,
  type MailDroppedEvent,
} from './mail.events.js';
export { DevOutboxModule } from './dev-outbox.module.js';
export { smtpTransport } from './mail-transport.js';
