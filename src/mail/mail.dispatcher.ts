import { Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { holdAnswerFor } from './mail-handoff.middleware.js';
import { MailEvents, type MailQueuedEvent } from './mail.events.js';
import { MailQueue } from './mail-queue.js';
import type { MailMessage, TemplateMailJob } from './mail.types.js';

/**
 * Hands mails to the {@link MailQueue} and returns at once: the answer never waits for SMTP.
 * With a durable queue (BullMQ in Redis) the answer waits only until the job is stored
 * ({@link MailHandoffMiddleware}), so a crash right after it loses nothing; in process, delivery
 * starts after the answer. Either way temporary failures are retried (0.25 s, 1 s, 4 s by default)
 * and a permanent one (see {@link MailDeliveryError}) is not; a mail given up on emits
 * {@link MailEvents.Undeliverable} with its tag, and logs name the recipient and the error, never
 * the content. Each mail handed over emits {@link MailEvents.Queued}.
 */
@Injectable()
export class MailDispatcher implements OnApplicationShutdown {
  protected readonly logger = new Logger('MailDispatcher');
  /** Messages still being built (given as a function), not yet handed to the queue. */
  private readonly building = new Set<Promise<void>>();

  constructor(
    protected readonly queue: MailQueue,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /**
   * Queues a rendered message and returns at once. Given a function, the message is built after
   * the answer too: a request costs the same whether or not it sends mail (no timing hint for
   * enumeration).
   */
  dispatch(message: MailMessage | (() => MailMessage)): void {
    this.queued({});
    if (typeof message !== 'function') {
      this.handOver(this.queue.enqueue({ message }));
      return;
    }
    const built = new Promise((r) => setImmediate(r)).then(() => {
      let built: MailMessage;
      try {
        built = message();
      } catch (err) {
        this.logger.error(`Could not render a mail: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      return this.queue.enqueue({ message: built });
    });
    const building = built.finally(() => this.building.delete(building));
    this.building.add(building);
    this.handOver(building);
  }

  /**
   * Queues a mail rendered from `views/emails/<template>.*` when it is delivered (by the worker,
   * with a durable queue), and returns at once.
   */
  dispatchTemplate(job: TemplateMailJob): void {
    this.queued({ template: job.template });
    this.handOver(this.queue.enqueue(job));
  }

  /** Mails handed over but not yet delivered or given up on (as far as this process knows). */
  get inFlight(): number {
    return this.building.size + this.queue.inFlight;
  }

  /** Waits (at most `timeoutMs`) for pending deliveries, e.g. before shutdown or in tests. */
  async drain(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    await Promise.race([Promise.allSettled([...this.building]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    await this.queue.drain(Math.max(0, until - Date.now()));
  }

  /**
   * Before shutdown: waits (at most `timeoutMs`) until mails being built are handed over and, when
   * delivered in process, until they are delivered. A durable queue's jobs are stored already and
   * wait for a worker, so they are not waited for.
   */
  async settle(timeoutMs = 5000): Promise<void> {
    if (!this.queue.durable) return this.drain(timeoutMs);
    await Promise.race([Promise.allSettled([...this.building]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async onApplicationShutdown() {
    await this.settle();
  }

  protected queued(event: MailQueuedEvent): void {
    try {
      this.events?.emit(MailEvents.Queued, event);
    } catch (err) {
      this.logger.error(
        `A listener of ${MailEvents.Queued} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** A durable queue's answer waits for the job to be stored; an in-process one's does not wait. */
  protected handOver(stored: Promise<void>): void {
    if (this.queue.durable) holdAnswerFor(stored);
    else void stored.catch(() => undefined);
  }
}
