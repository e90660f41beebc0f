import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BullMailQueue } from './bullmq-mail.queue.js';
import { InProcessMailQueue } from './in-process-mail.queue.js';
import { DEFAULT_MAIL_RETRY, MailDelivery, type MailRetry } from './mail.delivery.js';
import { MAIL_MODULE_OPTIONS, type MailModuleOptions, type MailQueueOptions } from './mail.module-definition.js';
import { MailQueue } from './mail-queue.js';
import { MailSender } from './mail-sender.js';
import { OutboxMailSender } from './outbox-mail.sender.js';
import { SmtpMailSender } from './smtp-mail.sender.js';

/** {@link MailQueueOptions} with every default applied. */
export type ResolvedMailQueueOptions = Required<Omit<MailQueueOptions, 'url' | 'clusterNodes'>> &
  Pick<MailQueueOptions, 'url' | 'clusterNodes'>;

/** What the mail providers use: the queue (when durable) and the retry policy, defaults applied. */
export interface ResolvedMailOptions {
  queue?: ResolvedMailQueueOptions;
  retry: MailRetry;
}

/** Token of the {@link ResolvedMailOptions}. */
export const RESOLVED_MAIL_OPTIONS = Symbol('RESOLVED_MAIL_OPTIONS');

/** Applies the defaults and refuses options that would lose or flood mail, saying what to change. */
export function resolveMailOptions(o: MailModuleOptions): ResolvedMailOptions {
  const problems: string[] = [];
  const retry: MailRetry = { ...DEFAULT_MAIL_RETRY, ...defined(o.retry) };
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1)
    problems.push('retry.attempts must be a positive integer');
  if (!Number.isInteger(retry.delayMs) || retry.delayMs < 1) problems.push('retry.delayMs must be a positive integer');
  let queue: ResolvedMailQueueOptions | undefined;
  if (o.queue) {
    queue = {
      name: 'mail',
      worker: true,
      concurrency: 5,
      lockMs: 10_000,
      keepFailedDays: 7,
      temporary: false,
      ...defined(o.queue),
    };
    const urls = queue.clusterNodes?.length ? queue.clusterNodes : [queue.url ?? ''];
    if (!urls.every((u) => /^rediss?:\/\/\S+$/.test(u))) {
      problems.push(
        queue.clusterNodes?.length
          ? 'queue.clusterNodes must be redis:// or rediss:// URLs'
          : 'queue.url must be a redis:// or rediss:// URL',
      );
    }
    // BullMQ joins its keys with ':', so a name with one would read as other keys.
    if (!/^[\w.-]{1,100}$/.test(queue.name)) problems.push('queue.name must be letters, digits, ".", "_" or "-"');
    if (!Number.isInteger(queue.concurrency) || queue.concurrency < 1) {
      problems.push('queue.concurrency must be a positive integer');
    }
    if (!Number.isInteger(queue.lockMs) || queue.lockMs < 1000) {
      problems.push('queue.lockMs must be an integer of at least 1000');
    }
    if (!(queue.keepFailedDays > 0)) problems.push('queue.keepFailedDays must be positive');
  }
  if (problems.length) throw new Error(`MailModule options: ${problems.join('; ')}`);
  return { queue, retry };
}

/** `o` without its undefined entries (an option left undefined takes its default). */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The mail module's providers that depend on its options. */
export const mailProviders: Provider[] = [
  { provide: RESOLVED_MAIL_OPTIONS, useFactory: resolveMailOptions, inject: [MAIL_MODULE_OPTIONS] },
  {
    provide: MailSender,
    useFactory: (o: MailModuleOptions, moduleRef: ModuleRef) =>
      moduleRef.create(o.sender ?? (o.transport === 'smtp' ? SmtpMailSender : OutboxMailSender)),
    inject: [MAIL_MODULE_OPTIONS, ModuleRef],
  },
  {
    provide: MailQueue,
    useFactory: (o: ResolvedMailOptions, delivery: MailDelivery) => {
      const inProcess = new InProcessMailQueue(delivery, o.retry);
      // A durable queue falls back to in-process delivery for a job Redis would not take.
      return o.queue ? new BullMailQueue(o.queue, o.retry, inProcess) : inProcess;
    },
    inject: [RESOLVED_MAIL_OPTIONS, MailDelivery],
  },
];
