import type { MailJob } from './mail.types.js';

/**
 * Where queued mails wait for delivery. Defaults: {@link InProcessMailQueue} (delivery in this
 * process, lost if it dies) without a Redis URL, {@link BullMailQueue} (a BullMQ queue in Redis,
 * delivered by a worker) with one. Swap it with `overrideProvider(MailQueue)`.
 */
export abstract class MailQueue {
  /** True when a queued mail outlives this process (it is stored outside it). */
  abstract readonly durable: boolean;

  /**
   * Queues one mail. Resolves once it is safe: stored (a durable queue, within a deadline) or taken
   * in hand (in process). Never rejects: a queue that cannot store a job delivers it some other way
   * and logs why.
   */
  abstract enqueue(job: MailJob): Promise<void>;

  /** Mails queued here and not yet delivered or given up on, as far as this process knows. */
  abstract readonly inFlight: number;

  /** Waits, at most `timeoutMs`, until the mails queued here are delivered or given up on. */
  abstract drain(timeoutMs: number): Promise<void>;
}
