import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { withDeadline } from '../redis/index.js';
import {
  BullMailQueue,
  mailBackoff,
  mailQueueConnection,
  mailQueuePrefix,
  recipientOf,
  type StoredMailJob,
} from './bullmq-mail.queue.js';
import { isPermanentFailure } from './mail.errors.js';
import { MailDelivery, reasonOf } from './mail.delivery.js';
import { RESOLVED_MAIL_OPTIONS, type ResolvedMailOptions } from './mail.providers.js';
import { MailQueue } from './mail-queue.js';
import type { MailMessage, RedactedMailJob } from './mail.types.js';

/** The longest a shutdown waits for the jobs in hand (SMTP's own timeouts are shorter: 5 s to connect, 15 s idle). */
const SHUTDOWN_WAIT_MS = 30_000;

/**
 * Delivers the durable queue's jobs: a BullMQ worker in this process when
 * `MailModuleOptions.queue.worker` is true (the server by default, `MAIL_WORKER=inline`; always in
 * `node dist/worker.js`). Each job is rendered here, then sent; a temporary failure is retried by
 * BullMQ with the mail back-off, a permanent one fails the job at once (`UnrecoverableError`).
 * A job that fails for good keeps only its recipient, tag and template (never the code) and emits
 * `mail.undeliverable` in this process; the listener marks the challenge in Redis, so the server
 * sees it whichever process delivered. At shutdown the current jobs finish first.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger('MailWorker');
  protected worker?: Worker<StoredMailJob>;
  private lastError = '';
  private stopping?: Promise<void>;

  constructor(
    @Inject(RESOLVED_MAIL_OPTIONS) protected readonly options: ResolvedMailOptions,
    protected readonly delivery: MailDelivery,
    protected readonly queue: MailQueue,
  ) {}

  // At bootstrap, not init: listeners of `mail.undeliverable` are registered by then.
  onApplicationBootstrap(): void {
    const q = this.options.queue;
    if (!q?.worker) return;
    this.worker = new Worker<StoredMailJob>(q.name, (job) => this.process(job), {
      // Named in CLIENT LIST: `mail-worker`, and `<prefix>:<base64 queue name>:w:mail-worker` for the blocking one.
      connection: mailQueueConnection(q, { connectionName: 'mail-worker' }),
      prefix: mailQueuePrefix(q),
      name: 'mail-worker',
      concurrency: q.concurrency,
      lockDuration: q.lockMs,
      stalledInterval: Math.ceil(q.lockMs / 2),
      maxStalledCount: 1,
      settings: { backoffStrategy: mailBackoff },
    });
    this.worker.on('completed', (job) => this.settled(job));
    this.worker.on('failed', (job, err) => void this.failed(job, err));
    this.worker.on('error', (err) => {
      // Reconnect loops repeat the same error: log each distinct one once.
      if (err.message !== this.lastError) this.logger.error(`Mail worker: ${err.message}`);
      this.lastError = err.message;
    });
  }

  /**
   * Stops taking jobs and lets the ones in hand finish (BullMQ `Worker.close`), at most
   * {@link SHUTDOWN_WAIT_MS}. With Redis away, nothing in hand could be recorded as done: it closes
   * at once (BullMQ's graceful close would wait for Redis to take a QUIT), and a job left in hand
   * is taken up again by a worker once its lock lapses. Called once by a graceful shutdown (before
   * the SMTP transport closes); later calls wait for the same close.
   */
  stop(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  private async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const client = await withDeadline(worker.client).catch(() => undefined);
    const closing = worker.close(client?.status !== 'ready');
    await Promise.race([closing, new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref())]);
  }

  /** One attempt at one job; throws to have BullMQ retry it (or not, for an `UnrecoverableError`). */
  protected async process(job: Job<StoredMailJob>): Promise<void> {
    const data = job.data;
    if ('redacted' in data) throw new UnrecoverableError('its content was removed when it failed');
    if (this.delivery.isStale(data)) return this.delivery.dropped(recipientOf(data));
    let message: MailMessage;
    try {
      message = this.delivery.build(data);
    } catch (err) {
      this.delivery.unrenderable(err);
      await this.redact(job);
      throw new UnrecoverableError(reasonOf(err));
    }
    const attempt = job.attemptsMade + 1;
    try {
      await this.delivery.send(message);
    } catch (err) {
      const permanent = isPermanentFailure(err);
      if (!permanent && attempt < (job.opts.attempts ?? 1)) {
        this.delivery.retrying(message.to, attempt, err);
        throw err;
      }
      // Failed for good: the content goes before the job is kept for inspection.
      await this.redact(job);
      this.delivery.giveUp({ to: message.to, tag: message.tag, permanent, attempts: attempt }, err);
      throw permanent ? new UnrecoverableError(reasonOf(err)) : err;
    }
  }

  protected async failed(job: Job<StoredMailJob> | undefined, err: Error): Promise<void> {
    // `finishedOn` is set only when the job failed for good (not when it will be retried).
    if (!job?.finishedOn) return;
    this.settled(job);
    if ('redacted' in job.data) return;
    // Failed without the processor seeing it fail: it stalled once too often (a crash mid-delivery).
    const data = job.data;
    await this.redact(job);
    this.delivery.giveUp(
      {
        to: recipientOf(data),
        tag: 'message' in data ? data.message.tag : data.tag,
        permanent: false,
        attempts: job.attemptsMade,
      },
      err,
    );
  }

  /** Replaces a job's data with who it was for (the code and the links go). */
  protected async redact(job: Job<StoredMailJob>): Promise<void> {
    const data = job.data;
    if ('redacted' in data) return;
    const kept: RedactedMailJob =
      'message' in data
        ? { redacted: true, to: data.message.to, ...(data.message.tag ? { tag: data.message.tag } : {}) }
        : {
            redacted: true,
            to: data.to,
            template: data.template,
            ...(data.tag ? { tag: data.tag } : {}),
            ...(data.locale ? { locale: data.locale } : {}),
          };
    await job.updateData(kept).catch((err: unknown) => {
      this.logger.warn(`Could not remove the content of a failed mail job to ${kept.to}: ${reasonOf(err)}`);
    });
  }

  protected settled(job: Job<StoredMailJob>): void {
    if (job.id && this.queue instanceof BullMailQueue) this.queue.settled(job.id);
  }
}
