import { type BeforeApplicationShutdown, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type BackoffStrategy, type ConnectionOptions, Job, Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { REDIS_DEADLINE_MS, withDeadline } from '../redis/index.js';
import { type MailRetry, mailRetryDelay, reasonOf } from './mail.delivery.js';
import { MailQueue } from './mail-queue.js';
import type { ResolvedMailQueueOptions } from './mail.providers.js';
import type { MailJob, RedactedMailJob } from './mail.types.js';

/** What a mail job holds in Redis: the job, or what is left of it after it failed for good. */
export type StoredMailJob = MailJob | RedactedMailJob;

/** The BullMQ back-off type of mail jobs: {@link mailRetryDelay} from the job's `backoff.delay`. */
export const MAIL_BACKOFF = 'mail';

/** The worker's back-off strategy for {@link MAIL_BACKOFF} jobs (a pure function of the job). */
export const mailBackoff: BackoffStrategy = (attemptsMade, type, _err, job) => {
  const backoff = job?.opts.backoff;
  const delay = typeof backoff === 'object' ? (backoff.delay ?? 0) : (backoff ?? 0);
  return type === MAIL_BACKOFF ? mailRetryDelay(attemptsMade, delay) : delay;
};

/**
 * The connection BullMQ opens for the mail queue: ioredis options for the same Redis as
 * `REDIS_URL`, or an ioredis `Cluster` of the same seed nodes as `REDIS_CLUSTER_NODES`, reconnecting
 * at most 2 s apart (BullMQ's own default waits up to 20 s), like the app's node-redis client.
 * @param extra ioredis options of each connection (e.g. `maxRetriesPerRequest`; `connectionName`,
 * which `CLIENT LIST` shows: `mail-queue` for the app's producer, `mail-worker` for a worker).
 */
export function mailQueueConnection(
  q: Pick<ResolvedMailQueueOptions, 'url' | 'clusterNodes'>,
  extra: { maxRetriesPerRequest?: number | null; connectionName?: string } = {},
): ConnectionOptions {
  const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000);
  if (q.clusterNodes?.length) {
    const nodes = q.clusterNodes.map((u) => ({ host: new URL(u).hostname, port: Number(new URL(u).port || 6379) }));
    return new Cluster(nodes, {
      clusterRetryStrategy: retryStrategy,
      redisOptions: { connectTimeout: 2000, ...extra },
    });
  }
  return { url: q.url, connectTimeout: 2000, retryStrategy, ...extra };
}

/** BullMQ's key prefix: `{bull}` on a Redis Cluster (every key of a queue in one slot), else its default. */
export function mailQueuePrefix(q: Pick<ResolvedMailQueueOptions, 'clusterNodes'>): string {
  return q.clusterNodes?.length ? '{bull}' : 'bull';
}

/** The recipient of a stored job (for logs). */
export function recipientOf(job: StoredMailJob): string {
  return 'message' in job ? job.message.to : job.to;
}

/**
 * The BullMQ job id of an idempotency key: BullMQ refuses `:` (its key separator) and ids that
 * read as integers (its own ids).
 */
export function mailJobId(key: string): string {
  const id = key.replace(/[^\w.-]/g, '-');
  return /^\d+$/.test(id) ? `k${id}` : id;
}

/**
 * The durable {@link MailQueue}: one BullMQ job per mail in Redis, delivered by {@link MailWorker}
 * (in this process or another). A job with an idempotency key (a challenge's tag and send number)
 * gets it as its id, so the same mail is never queued twice while its job exists. Completed jobs
 * are removed at once; failed ones are kept `keepFailedDays` (7) without their content. Temporary
 * failures are retried with the {@link MailRetry} back-off, permanent ones are not.
 *
 * A job Redis would not take (it went away after the challenge was stored) is delivered from this
 * process instead, like the in-process queue: the person still gets the code, only not durably.
 */
export class BullMailQueue extends MailQueue implements BeforeApplicationShutdown, OnApplicationShutdown {
  readonly durable = true;
  /** The BullMQ queue (e.g. to inspect jobs). */
  readonly queue: Queue<StoredMailJob>;
  protected readonly logger = new Logger('MailQueue');
  /** Writes to Redis in progress. */
  private readonly writes = new Set<Promise<void>>();
  /** Ids of the jobs this process queued and has not seen settled, with when they were queued. */
  private readonly queued = new Map<string, number>();
  private closing = false;
  private lastError = '';

  constructor(
    protected readonly options: ResolvedMailQueueOptions,
    protected readonly retry: MailRetry,
    protected readonly fallback: MailQueue,
  ) {
    super();
    this.queue = new Queue<StoredMailJob>(options.name, {
      // While Redis is away a write fails after one reconnection attempt (and the mail is sent from
      // here) rather than wait for it. Not `enableOfflineQueue: false`: closing the queue while Redis
      // is away then ends in an unhandled ioredis error.
      connection: mailQueueConnection(options, { maxRetriesPerRequest: 1, connectionName: 'mail-queue' }),
      prefix: mailQueuePrefix(options),
    });
    this.queue.on('error', (err: Error) => {
      // Reconnect loops repeat the same error: log each distinct one once.
      if (err.message !== this.lastError) this.logger.error(`Mail queue: ${err.message}`);
      this.lastError = err.message;
    });
  }

  /** Resolves when the job is stored, or after the Redis deadline (the write goes on). */
  enqueue(job: MailJob): Promise<void> {
    const write = this.add(job).finally(() => this.writes.delete(write));
    this.writes.add(write);
    return withDeadline(write).catch(() => undefined);
  }

  get inFlight(): number {
    // Jobs another process's worker delivered are never seen settled here: forget them after an hour.
    const old = Date.now() - 3_600_000;
    for (const [id, at] of this.queued) if (at < old) this.queued.delete(id);
    return this.writes.size + this.queued.size + this.fallback.inFlight;
  }

  /**
   * Waits for the writes, then (until the deadline) for the jobs this process queued to be
   * delivered or to fail for good, by any worker. At shutdown, only for the writes.
   */
  async drain(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    const left = () => Math.max(0, until - Date.now());
    await Promise.race([Promise.allSettled([...this.writes]), sleep(left())]);
    await this.fallback.drain(left());
    while (!this.closing && this.queued.size > 0 && left() > 0) {
      for (const id of [...this.queued.keys()]) if (await this.isSettled(id)) this.queued.delete(id);
      if (this.queued.size > 0) await sleep(Math.min(50, left()));
    }
  }

  /** Told by this process's worker: the job was delivered or failed for good. */
  settled(id: string): void {
    this.queued.delete(id);
  }

  beforeApplicationShutdown(): void {
    // The worker stops now; waiting for deliveries would only wait out the timeout.
    this.closing = true;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.race([Promise.allSettled([...this.writes]), sleep(REDIS_DEADLINE_MS)]);
    if (this.options.temporary) {
      await withDeadline(this.queue.obliterate({ force: true })).catch(() => undefined);
    }
    // Closing waits for Redis to take a QUIT: while it is away, drop the connection instead.
    const closed = await withDeadline(this.queue.close()).then(
      () => true,
      () => false,
    );
    if (!closed) {
      const client = await withDeadline(this.queue.client).catch(() => undefined);
      client?.disconnect();
    }
  }

  protected async add(job: MailJob): Promise<void> {
    try {
      const added = await this.queue.add('message' in job ? 'message' : job.template, job, {
        ...(job.key ? { jobId: mailJobId(job.key) } : {}),
        attempts: this.retry.attempts,
        backoff: { type: MAIL_BACKOFF, delay: this.retry.delayMs },
        removeOnComplete: true,
        removeOnFail: { age: Math.round(this.options.keepFailedDays * 86_400) },
      });
      if (added.id) this.queued.set(added.id, Date.now());
    } catch (err) {
      this.logger.warn(
        `Could not queue a mail to ${recipientOf(job)} (${reasonOf(err)}); sending it from this process`,
      );
      await this.fallback.enqueue(job);
    }
  }

  /** True when the job is gone (completed jobs are removed) or failed for good. */
  protected async isSettled(id: string): Promise<boolean> {
    try {
      const job = await withDeadline(Job.fromId<StoredMailJob>(this.queue, id));
      return !job || (await withDeadline(job.isFailed()));
    } catch {
      return true;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
