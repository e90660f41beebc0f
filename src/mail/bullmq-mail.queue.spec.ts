import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RedisProcess, startRedisServer } from '../../test/support/redis.js';
import { BullMailQueue, mailBackoff, mailJobId, type StoredMailJob } from './bullmq-mail.queue.js';
import { InProcessMailQueue } from './in-process-mail.queue.js';
import { DEFAULT_MAIL_RETRY, MailDelivery } from './mail.delivery.js';
import { MailEvents, type MailUndeliverableEvent } from './mail.events.js';
import type { ResolvedMailOptions, ResolvedMailQueueOptions } from './mail.providers.js';
import { MailQueue } from './mail-queue.js';
import { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';
import { MailWorker } from './mail.worker.js';

class FakeSender extends MailSender {
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }
  async isReady(): Promise<boolean> {
    return true;
  }
}

const message = (to: string): MailMessage => ({ to, subject: 'Your code', text: 'Code 483920', html: '<p>483920</p>' });

const options = (url: string): ResolvedMailQueueOptions => ({
  url,
  name: 'mail',
  worker: false,
  concurrency: 5,
  lockMs: 10_000,
  keepFailedDays: 7,
  temporary: true,
});

async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

describe('the mail back-off and job ids', () => {
  it('waits 0.25 s, 1 s, then 4 s (4 times longer each retry) for a delay of 250 ms', () => {
    const job = { opts: { backoff: { type: 'mail', delay: 250 } } } as Parameters<typeof mailBackoff>[3];
    expect([1, 2, 3].map((n) => mailBackoff(n, 'mail', undefined, job))).toEqual([250, 1000, 4000]);
  });

  it('turns an idempotency key into a BullMQ job id (no ":", never an integer)', () => {
    expect(mailJobId('challenge:Ab_c-9.2')).toBe('challenge-Ab_c-9.2');
    expect(mailJobId('12345')).toBe('k12345');
  });
});

describe('BullMailQueue when Redis goes away', () => {
  let redis: RedisProcess;
  let queue: BullMailQueue;
  let sender: FakeSender;

  beforeEach(async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    redis = await startRedisServer();
    sender = new FakeSender();
    queue = new BullMailQueue(
      options(redis.url),
      DEFAULT_MAIL_RETRY,
      new InProcessMailQueue(new MailDelivery(sender), DEFAULT_MAIL_RETRY),
    );
    await queue.queue.waitUntilReady();
  });

  afterEach(async () => {
    queue.beforeApplicationShutdown();
    await queue.onApplicationShutdown();
    await redis.stop();
    vi.restoreAllMocks();
  });

  it('stores a job while Redis answers, and delivers one it would not take from this process', async () => {
    await queue.enqueue({ message: message('stored@example.test'), key: 'challenge:a.1' });
    expect((await queue.queue.getJobCounts('waiting')).waiting).toBe(1);
    expect(sender.sent).toEqual([]);

    await redis.stop();
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await queue.enqueue({ message: message('fallback@example.test'), key: 'challenge:b.1' });
    expect(Date.now() - started).toBeLessThan(1000);
    await eventually(() => sender.sent.length === 1);
    expect(sender.sent.map((m) => m.to)).toEqual(['fallback@example.test']);
  });
});

describe('MailWorker, for a job that failed without the processor (it stalled too often)', () => {
  class TestWorker extends MailWorker {
    fail(job: Job<StoredMailJob>, err: Error) {
      return this.failed(job, err);
    }
  }

  it('removes its content and reports it undeliverable with its tag', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const events = new EventEmitter2();
    const reported: MailUndeliverableEvent[] = [];
    events.on(MailEvents.Undeliverable, (e: MailUndeliverableEvent) => reported.push(e));
    const resolved: ResolvedMailOptions = { retry: DEFAULT_MAIL_RETRY };
    const worker = new TestWorker(resolved, new MailDelivery(new FakeSender(), events), {} as MailQueue);
    const job = {
      id: 'challenge-x.1',
      finishedOn: Date.now(),
      attemptsMade: 2,
      data: {
        template: 'code',
        to: 'someone@example.test',
        context: {
          code: '483920',
          purpose: 'sign-in',
          expiresAt: Date.now() + 60_000,
          link: 'https://x/verify/link?t=s',
        },
        tag: 'challenge:x',
        key: 'challenge:x.1',
      },
      async updateData(this: { data: unknown }, data: unknown) {
        this.data = data;
      },
    };
    await worker.fail(job as unknown as Job<StoredMailJob>, new Error('job stalled more than allowable limit'));
    expect(job.data).toEqual({ redacted: true, to: 'someone@example.test', template: 'code', tag: 'challenge:x' });
    expect(reported).toEqual([{ to: 'someone@example.test', tag: 'challenge:x', permanent: false, attempts: 2 }]);

    // Reported once: the same job failing again (its redacted data) says nothing more.
    await worker.fail(job as unknown as Job<StoredMailJob>, new Error('again'));
    expect(reported).toHaveLength(1);
    vi.restoreAllMocks();
  });
});
