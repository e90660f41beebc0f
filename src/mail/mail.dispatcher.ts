import { Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { isPermanentFailure } from './mail.errors.js';
import { MailEvents, type MailUndeliverableEvent } from './mail.events.js';
import { MailSender } from './mail-sender.js';
import type { MailMessage } from './mail.types.js';

const RETRY_DELAYS_MS = [250, 1000, 4000];

/**
 * Delivers mail after the HTTP answer has gone. Temporary failures are retried three times
 * (0.25 s, 1 s, 4 s); a permanent one (see {@link MailDeliveryError}) is not retried at all.
 * A mail given up on emits {@link MailEvents.Undeliverable} with its tag.
 * In-process only: a mail still pending when the process dies is lost (a durable queue is the next step).
 * Failures are logged with the recipient and error, never the content.
 */
@Injectable()
export class MailDispatcher implements OnApplicationShutdown {
  protected readonly logger = new Logger('MailDispatcher');
  private readonly pending = new Set<Promise<void>>();

  constructor(
    protected readonly sender: MailSender,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  /**
   * Queues a message and returns at once. Given a function, the message is built after the answer
   * too: a request costs the same whether or not it sends mail (no timing hint for enumeration).
   */
  dispatch(message: MailMessage | (() => MailMessage)): void {
    const job = this.deliver(message).finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  /** Mails handed over but not yet delivered or given up. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Waits (at most `timeoutMs`) for pending deliveries, e.g. before shutdown or in tests. */
  async drain(timeoutMs = 5000): Promise<void> {
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async onApplicationShutdown() {
    await this.drain();
  }

  protected async deliver(build: MailMessage | (() => MailMessage)): Promise<void> {
    // setImmediate: never let delivery delay the response that triggered it.
    await new Promise((r) => setImmediate(r));
    let message: MailMessage;
    try {
      message = typeof build === 'function' ? build() : build;
    } catch (err) {
      this.logger.error(`Could not render a mail: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sender.send(message);
        return;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const permanent = isPermanentFailure(err);
        if (permanent || attempt >= RETRY_DELAYS_MS.length) {
          const why = permanent ? 'refused for good' : `given up after ${attempt + 1} attempts`;
          this.logger.error(`A mail to ${message.to} was ${why}: ${reason}`);
          this.undeliverable({ to: message.to, tag: message.tag, permanent, attempts: attempt + 1 });
          return;
        }
        this.logger.warn(`Mail to ${message.to} failed (attempt ${attempt + 1}): ${reason}; retrying`);
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  protected undeliverable(event: MailUndeliverableEvent): void {
    try {
      this.events?.emit(MailEvents.Undeliverable, event);
    } catch (err) {
      this.logger.error(
        `A listener of ${MailEvents.Undeliverable} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
