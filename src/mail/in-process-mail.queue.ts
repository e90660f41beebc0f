import { isPermanentFailure } from './mail.errors.js';
import { DEFAULT_MAIL_RETRY, MailDelivery, MailRenderError, type MailRetry, mailRetryDelay } from './mail.delivery.js';
import { MailQueue } from './mail-queue.js';
import type { MailJob, MailMessage } from './mail.types.js';

/**
 * Delivers in this process, after the answer (the next turn of the event loop), retrying temporary
 * failures with the back-off of {@link MailRetry} (0.25 s, 1 s, 4 s by default) and never a
 * permanent one. Not durable: a mail still pending when the process dies is lost. The default
 * without a Redis URL.
 */
export class InProcessMailQueue extends MailQueue {
  readonly durable = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    protected readonly delivery: MailDelivery,
    protected readonly retry: MailRetry = DEFAULT_MAIL_RETRY,
  ) {
    super();
  }

  enqueue(job: MailJob): Promise<void> {
    const delivering = this.deliver(job).finally(() => this.pending.delete(delivering));
    this.pending.add(delivering);
    return Promise.resolve();
  }

  get inFlight(): number {
    return this.pending.size;
  }

  async drain(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  protected async deliver(job: MailJob): Promise<void> {
    // setImmediate: never let delivery (nor rendering) delay the answer that queued it.
    await new Promise((r) => setImmediate(r));
    let message: MailMessage;
    try {
      if (this.delivery.isStale(job)) return this.delivery.dropped('message' in job ? job.message.to : job.to);
      message = this.delivery.build(job);
    } catch (err) {
      if (err instanceof MailRenderError) return this.delivery.unrenderable(err);
      throw err;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.delivery.send(message);
        return;
      } catch (err) {
        const permanent = isPermanentFailure(err);
        if (permanent || attempt >= this.retry.attempts) {
          this.delivery.giveUp({ to: message.to, tag: message.tag, permanent, attempts: attempt }, err);
          return;
        }
        this.delivery.retrying(message.to, attempt, err);
        await new Promise((r) => setTimeout(r, mailRetryDelay(attempt, this.retry.delayMs)));
      }
    }
  }
}
