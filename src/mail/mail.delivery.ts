import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  type MailDroppedEvent,
  MailEvents,
  type MailRetryingEvent,
  type MailSentEvent,
  type MailUndeliverableEvent,
} from './mail.events.js';
import { MailRenderer } from './mail.renderer.js';
import { MailSender } from './mail-sender.js';
import type { MailJob, MailMessage } from './mail.types.js';

/** Attempts and back-off of every mail (`MailModuleOptions.retry`). */
export interface MailRetry {
  /** Attempts in all, the first included (default 4). */
  attempts: number;
  /** Wait before the first retry; each next one waits 4 times longer (default 250 ms: 0.25 s, 1 s, 4 s). */
  delayMs: number;
}

/** 4 attempts: the first, then retries after 0.25 s, 1 s and 4 s. */
export const DEFAULT_MAIL_RETRY: MailRetry = { attempts: 4, delayMs: 250 };

/** The wait before retry number `retry` (1 for the first retry): `delayMs`, then 4 times longer each time. */
export function mailRetryDelay(retry: number, delayMs: number): number {
  return delayMs * 4 ** Math.max(0, retry - 1);
}

/** A queued mail that could not be rendered: a bug or a missing template, never retried. */
export class MailRenderError extends Error {
  override name = 'MailRenderError';
}

/**
 * One delivery attempt of a queued mail, shared by every {@link MailQueue}: renders the job, hands
 * it to the {@link MailSender}, and reports each outcome ({@link MailEvents}: sent, retrying,
 * dropped, undeliverable). Logs name the recipient and the error, never the content (a code mail's
 * subject may hold the code).
 */
@Injectable()
export class MailDelivery {
  // The context the delivery logs have always had, whichever queue delivers.
  protected readonly logger = new Logger('MailDispatcher');

  constructor(
    protected readonly sender: MailSender,
    @Optional() protected readonly events?: EventEmitter2,
    @Optional() protected readonly renderer?: MailRenderer,
  ) {}

  /**
   * The message of a job, rendered now for a template job.
   * @throws MailRenderError when it cannot be rendered.
   */
  build(job: MailJob): MailMessage {
    try {
      if ('message' in job) return job.message;
      if (!this.renderer) throw new Error('no MailRenderer to render a template job');
      return this.renderer.build(job);
    } catch (err) {
      throw new MailRenderError(`Could not render a mail: ${reasonOf(err)}`, { cause: err });
    }
  }

  /**
   * True when sending the job is pointless: a code mail whose code has expired before it could be
   * sent (e.g. no worker ran for a while). It could not be used and would only confuse; its
   * challenge has ended anyway.
   */
  isStale(job: MailJob): boolean {
    if ('message' in job || job.template !== 'code') return false;
    const expiresAt = job.context.expiresAt;
    return typeof expiresAt === 'number' && expiresAt <= Date.now();
  }

  /**
   * One attempt; rejects like {@link MailSender.send} (see `isPermanentFailure`). Emits
   * {@link MailEvents.Sent} once the transport accepted it.
   */
  async send(message: MailMessage): Promise<void> {
    await this.sender.send(message);
    this.emit<MailSentEvent>(MailEvents.Sent, { to: message.to, ...(message.tag ? { tag: message.tag } : {}) });
  }

  /** Logs a failed attempt that will be tried again, and emits {@link MailEvents.Retrying}. */
  retrying(to: string, attempt: number, err: unknown): void {
    this.logger.warn(`Mail to ${to} failed (attempt ${attempt}): ${reasonOf(err)}; retrying`);
    this.emit<MailRetryingEvent>(MailEvents.Retrying, { to, attempt });
  }

  /** Logs a mail that was not sent because its code had expired, and emits {@link MailEvents.Dropped}. */
  dropped(to: string): void {
    this.logger.warn(`A mail to ${to} was not sent: its code expired before it could be delivered`);
    this.emit<MailDroppedEvent>(MailEvents.Dropped, { to, reason: 'expired' });
  }

  /**
   * Logs a mail that could not be rendered (never reported as undeliverable: it is a bug, not an
   * address), and emits {@link MailEvents.Dropped}.
   */
  unrenderable(err: unknown): void {
    this.logger.error(reasonOf(err));
    this.emit<MailDroppedEvent>(MailEvents.Dropped, { reason: 'unrenderable' });
  }

  /** Logs a mail given up on and emits {@link MailEvents.Undeliverable} with its tag. */
  giveUp(event: MailUndeliverableEvent, err: unknown): void {
    const why = event.permanent ? 'refused for good' : `given up after ${event.attempts} attempts`;
    this.logger.error(`A mail to ${event.to} was ${why}: ${reasonOf(err)}`);
    this.emit(MailEvents.Undeliverable, event);
  }

  /** Emits an event; a listener that throws is logged, never taken for a failed delivery. */
  protected emit<T>(name: string, payload: T): void {
    try {
      this.events?.emit(name, payload);
    } catch (e) {
      this.logger.error(`A listener of ${name} failed: ${reasonOf(e)}`);
    }
  }
}

/** The message of an error, for a log line. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
