import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { challengeOfTag, EmailCodeService } from '../auth/index.js';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { BullMailQueue, MailQueue, type StoredMailJob } from '../mail/index.js';
import { OtpStore } from '../otp/index.js';
import { redisCall } from '../redis/index.js';
import { AdminAudit } from './admin.audit.js';
import { AdminEvents, type AdminMailListedEvent, type AdminMailRetriedEvent } from './admin.events.js';
import { AdminCommandError } from './admin.errors.js';

/**
 * How a failed mail can be sent again: `requeue` (its content is still there: the job runs again),
 * `resend` (a code mail whose challenge still waits for it: a new code goes out, as a resend would),
 * or `none` (its content was removed when it failed, and nothing can rebuild it).
 */
export type MailRetryKind = 'requeue' | 'resend' | 'none';

/** A failed mail job as an operator sees it: who, why, when; never its content. */
export interface FailedMail {
  id: string;
  to: string;
  /** The mail's template (`code`, `security-notice`, ...), when known. */
  template?: string;
  /** BullMQ's failure reason (e.g. the SMTP reply). */
  reason: string;
  attempts: number;
  /** ISO time it failed for good. */
  failedAt: string;
  retry: MailRetryKind;
  /** Why it cannot be sent again (`retry: none`). */
  why?: string;
}

/** What `retry` did with one job. */
export interface MailRetryOutcome {
  id: string;
  to: string;
  outcome: 'requeued' | 'resent' | 'skipped';
  why?: string;
}

/**
 * The durable mail queue's failed jobs, for an operator: listed without their content, and sent
 * again when that still means something. A failed job keeps only its recipient, template, tag and
 * language (the code is removed when it fails), so a code mail is sent again as a *new* code for
 * its challenge, only while that challenge is live and its latest mail undelivered; a notice whose
 * content is gone is not sent again.
 */
@Injectable()
export class AdminMailService {
  constructor(
    protected readonly mailQueue: MailQueue,
    protected readonly otp: OtpStore,
    protected readonly codes: EmailCodeService,
    protected readonly audit: AdminAudit,
    @Inject(APP_CONFIG) protected readonly config: AppConfig,
  ) {}

  /**
   * The latest failed jobs, newest first.
   * @throws AdminCommandError without a shared queue; StoreUnavailableError
   */
  async failed(limit: number): Promise<FailedMail[]> {
    const queue = this.queue;
    const jobs = (await redisCall(() => queue.getFailed(0, limit - 1))) as Job<StoredMailJob>[];
    const mails = await Promise.all(jobs.filter((j) => !!j?.id).map((j) => this.describe(j)));
    this.audit.record<AdminMailListedEvent>(
      AdminEvents.MailListed,
      { count: mails.length },
      `${mails.length} failed mail job(s) listed`,
    );
    return mails;
  }

  /**
   * Sends failed jobs again (see the class): `ids`, or every failed job with `'all'`.
   * @throws AdminCommandError for an id that is not a failed job; StoreUnavailableError
   */
  async retry(ids: string[] | 'all'): Promise<MailRetryOutcome[]> {
    const jobs: Job<StoredMailJob>[] = [];
    if (ids === 'all') {
      const queue = this.queue;
      const failed = (await redisCall(() => queue.getFailed(0, -1))) as Job<StoredMailJob>[];
      jobs.push(...failed.filter((j) => !!j?.id));
    } else {
      for (const id of ids) jobs.push(await this.failedJob(id));
    }
    const outcomes: MailRetryOutcome[] = [];
    for (const job of jobs) outcomes.push(await this.retryOne(job));
    const by = (o: MailRetryOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).map((x) => x.id);
    const [requeued, resent, skipped] = [by('requeued'), by('resent'), by('skipped')];
    this.audit.record<AdminMailRetriedEvent>(
      AdminEvents.MailRetried,
      { requeued, resent, skipped },
      `${requeued.length} requeued, ${resent.length} sent again with a new code, ${skipped.length} skipped`,
    );
    return outcomes;
  }

  /** The BullMQ queue the servers and workers share. */
  protected get queue(): Queue<StoredMailJob> {
    if (this.config.mailQueueTemporary) {
      throw new AdminCommandError(
        "Set MAIL_QUEUE to the servers' queue: under NODE_ENV=test each process has a queue of its own.",
        2,
      );
    }
    if (!(this.mailQueue instanceof BullMailQueue)) {
      throw new AdminCommandError('The mail queue is not in Redis here: there are no failed jobs to show.', 2);
    }
    return this.mailQueue.queue;
  }

  protected async failedJob(id: string): Promise<Job<StoredMailJob>> {
    const queue = this.queue;
    const job = (await redisCall(() => queue.getJob(id))) as Job<StoredMailJob> | undefined;
    if (!job)
      throw new AdminCommandError(`No mail job ${id} (a delivered job is removed; a failed one is kept 7 days).`);
    const state = await redisCall(() => job.getState());
    if (state !== 'failed') throw new AdminCommandError(`Mail job ${id} has not failed: it is ${state}.`);
    return job;
  }

  protected async describe(job: Job<StoredMailJob>): Promise<FailedMail> {
    const data = job.data;
    const { retry, why } = await this.retryKind(job);
    return {
      id: job.id!,
      to: 'message' in data ? data.message.to : data.to,
      ...('template' in data && data.template ? { template: data.template } : {}),
      reason: job.failedReason ?? '',
      attempts: job.attemptsMade,
      failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString(),
      retry,
      ...(why ? { why } : {}),
    };
  }

  protected async retryKind(job: Job<StoredMailJob>): Promise<{ retry: MailRetryKind; why?: string }> {
    const data = job.data;
    if (!('redacted' in data)) return { retry: 'requeue' };
    const id = challengeOfTag(data.tag);
    if (!id) return { retry: 'none', why: 'its content was removed when it failed' };
    const challenge = await this.otp.get(id, Date.now());
    if (!challenge) return { retry: 'none', why: 'its sign-in step is over (used, expired or started again)' };
    if (!challenge.undelivered) return { retry: 'none', why: 'a later mail of its sign-in step was delivered' };
    return { retry: 'resend' };
  }

  protected async retryOne(job: Job<StoredMailJob>): Promise<MailRetryOutcome> {
    const data = job.data;
    const base = { id: job.id!, to: 'message' in data ? data.message.to : data.to };
    const { retry, why } = await this.retryKind(job);
    if (retry === 'requeue') {
      await redisCall(() => job.retry('failed', { resetAttemptsMade: true }));
      return { ...base, outcome: 'requeued' };
    }
    if (retry === 'none' || !('redacted' in data)) return { ...base, outcome: 'skipped', why };
    const challenge = await this.otp.get(challengeOfTag(data.tag)!, Date.now());
    if (!challenge) return { ...base, outcome: 'skipped', why: 'its sign-in step just ended' };
    await this.codes.resend(challenge, data.locale ? [data.locale] : []);
    // Replaced by the new mail's job: the failed one would only be listed again.
    await redisCall(() => job.remove());
    return { ...base, outcome: 'resent' };
  }
}
