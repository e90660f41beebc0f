import { ConfigurableModuleBuilder, Inject, type Type } from '@nestjs/common';
import type { MailRetry } from './mail.delivery.js';
import type { MailSender } from './mail-sender.js';

/**
 * The durable mail queue (`MailModuleOptions.queue`): a BullMQ queue in Redis, so a queued mail
 * survives a restart. Every process that sends mail enqueues into it; a worker (in the server by
 * default, or `node dist/worker.js`) renders and delivers.
 */
export interface MailQueueOptions {
  /** `redis://` or `rediss://` URL of the Redis that holds the queue (BullMQ connects with ioredis). */
  url?: string;
  /**
   * Seed nodes (`redis://host:port`) of a Redis Cluster that holds the queue, instead of `url`: the
   * queue's keys then carry the hash tag `{bull}` (`{bull}:<name>:*`), as BullMQ needs on a cluster.
   */
  clusterNodes?: string[];
  /** BullMQ queue name: its keys are `bull:<name>:*`. The server and every worker must share it. Default `mail`. */
  name?: string;
  /** Run a worker in this process (default true). False: only enqueue, another process delivers. */
  worker?: boolean;
  /** Mails one worker sends at the same time (default 5). */
  concurrency?: number;
  /**
   * How long a worker's hold on a job lasts (renewed every half of it while it sends): after a
   * crash mid-delivery, the job is taken up again by a worker once it lapses. Default 10 000 ms.
   */
  lockMs?: number;
  /** Days a failed job is kept for inspection (without its content). Default 7. */
  keepFailedDays?: number;
  /** Delete the queue and its jobs at shutdown: a throw-away queue of one process (tests). Default false. */
  temporary?: boolean;
}

/** Options of {@link MailModule}. */
export interface MailModuleOptions {
  /**
   * `smtp` sends through `@nestjs-modules/mailer` (the host app configures `MailerModule`);
   * `outbox` keeps mails in memory for `GET /dev/outbox` (development only).
   */
  transport: 'smtp' | 'outbox';
  /** Public base URL used in links inside mails. */
  appUrl: string;
  /** Product name shown in subjects and bodies (default `Sign-in`). */
  productName?: string;
  /** Put the code in the subject line too (handy on phones, but visible on lock screens). Default false. */
  codeInSubject?: boolean;
  /** Put a same-browser sign-in link in code mails beside the code (default true). */
  link?: boolean;
  /** Another {@link MailSender} implementation (SES, an HTTP API, ...). */
  sender?: Type<MailSender>;
  /**
   * A durable queue in Redis ({@link MailQueueOptions}). Unset: mails are delivered from this
   * process, after the answer, and lost if it dies before they are sent.
   */
  queue?: MailQueueOptions;
  /** Attempts and back-off for temporary failures. Default 4 attempts, retried after 0.25 s, 1 s and 4 s. */
  retry?: Partial<MailRetry>;
}

/**
 * `MailModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Mail`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: MAIL_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<MailModuleOptions>({ moduleName: 'Mail' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link MailModuleOptions}), e.g. in a host app's own guard. */
export const InjectMailOptions = () => Inject(MAIL_MODULE_OPTIONS);
