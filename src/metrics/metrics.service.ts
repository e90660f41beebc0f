import { Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BullMailQueue, MailQueue } from '../mail/index.js';
import { withDeadline } from '../redis/index.js';
import { InjectMetricsOptions, type MetricsModuleOptions } from './metrics.module-definition.js';

/** Seconds: from 5 ms (a page from memory) to 10 s (past every deadline of the app). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The mail queue's job states reported by `<prefix>mail_queue_jobs`. */
const QUEUE_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/**
 * A label value from a bounded set (an enum of the code): passed through when it looks like one
 * (lower-case letters, digits, `_`, `-`, at most 24), else `other`, so that nothing that looks
 * like an address, an id or a token can ever become a label (or a new series).
 */
export function labelValue(value: unknown): string {
  const s = typeof value === 'number' ? String(value) : value;
  return typeof s === 'string' && /^[a-z0-9][a-z0-9_-]{0,23}$/.test(s) ? s : 'other';
}

/**
 * The app's Prometheus metrics, in a registry of their own (prom-client): what happened (counters
 * fed by `MetricsListener` from the app's events), how long requests took (`HttpMetricsMiddleware`),
 * and, read when scraped, the mail queue's depth and prom-client's process metrics. Every label is
 * a bounded enum: a route template, a method, a status, a reason, a purpose, a factor.
 */
@Injectable()
export class MetricsService {
  /** The registry `GET /metrics` renders. */
  readonly registry = new Registry();
  /** Codes mailed (first sends and resends; never a decoy), by `purpose`. */
  readonly codesIssued: Counter<'purpose'>;
  /** Mails handed to the queue. */
  readonly mailQueued: Counter;
  /** Mails the transport accepted. */
  readonly mailSent: Counter;
  /** Failed attempts that will be tried again. */
  readonly mailRetries: Counter;
  /** Mails that will not be sent, by `reason`: `refused`, `retries_exhausted`, `expired`, `unrenderable`. */
  readonly mailFailed: Counter<'reason'>;
  /** Answers to a sign-in or step-up factor, by `factor`, `purpose` and `outcome` (`passed`, or why it failed). */
  readonly verifications: Counter<'factor' | 'purpose' | 'outcome'>;
  /** Locks started or lengthened by wrong answers, by `scope`: `identifier` or `known_device`. */
  readonly locks: Counter<'scope'>;
  /** Sessions signed in, by `aal`. */
  readonly sessionsCreated: Counter<'aal'>;
  /** Sessions ended by the app, by `reason`: `sign_out`, `revoked`, `password_reset`, `password_change`. */
  readonly sessionsEnded: Counter<'reason'>;
  /** Time to answer, by `method`, `route` (the route's template, or `unmatched`) and `status`. */
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Redis failures, by `kind`: `connection` (the shared client), `command`, `timeout` (the 1.5 s deadline). */
  readonly redisErrors: Counter<'kind'>;

  constructor(
    @InjectMetricsOptions() protected readonly options: MetricsModuleOptions,
    @Optional() protected readonly mailQueue?: MailQueue,
  ) {
    const p = options.prefix ?? 'signin_';
    const registers = [this.registry];
    this.codesIssued = new Counter({
      name: `${p}codes_issued_total`,
      help: 'One-time codes mailed (first sends and resends; never a decoy), by purpose.',
      labelNames: ['purpose'],
      registers,
    });
    this.mailQueued = new Counter({ name: `${p}mail_queued_total`, help: 'Mails handed to the queue.', registers });
    this.mailSent = new Counter({ name: `${p}mail_sent_total`, help: 'Mails the transport accepted.', registers });
    this.mailRetries = new Counter({
      name: `${p}mail_retries_total`,
      help: 'Mail attempts that failed for a temporary reason and will be tried again.',
      registers,
    });
    this.mailFailed = new Counter({
      name: `${p}mail_failed_total`,
      help: 'Mails that will not be sent, by reason: refused (permanent), retries_exhausted, expired (its code), unrenderable.',
      labelNames: ['reason'],
      registers,
    });
    this.verifications = new Counter({
      name: `${p}verifications_total`,
      help: 'Answers to a factor of a sign-in, step-up, password reset or change, by factor, purpose and outcome (passed, or the reason it failed).',
      labelNames: ['factor', 'purpose', 'outcome'],
      registers,
    });
    this.locks = new Counter({
      name: `${p}locks_total`,
      help: 'Locks started or lengthened by wrong answers, by scope (identifier, known_device).',
      labelNames: ['scope'],
      registers,
    });
    this.sessionsCreated = new Counter({
      name: `${p}sessions_created_total`,
      help: 'Sessions signed in, by assurance level.',
      labelNames: ['aal'],
      registers,
    });
    this.sessionsEnded = new Counter({
      name: `${p}sessions_ended_total`,
      help: 'Sessions ended by the app, by reason (sign_out, revoked, password_reset, password_change).',
      labelNames: ['reason'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: `${p}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request, by method, route template (or unmatched) and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.redisErrors = new Counter({
      name: `${p}redis_errors_total`,
      help: 'Redis failures, by kind: connection (the shared client), command, timeout (no answer within the deadline).',
      labelNames: ['kind'],
      registers,
    });
    // Known label values start at 0, so a rate or an alert sees them before the first event.
    for (const reason of ['refused', 'retries_exhausted', 'expired', 'unrenderable'])
      this.mailFailed.inc({ reason }, 0);
    for (const scope of ['identifier', 'known_device']) this.locks.inc({ scope }, 0);
    for (const reason of ['sign_out', 'revoked', 'password_reset', 'password_change'])
      this.sessionsEnded.inc({ reason }, 0);
    for (const kind of ['connection', 'command', 'timeout']) this.redisErrors.inc({ kind }, 0);

    if (mailQueue instanceof BullMailQueue) this.watchQueue(p, mailQueue);
    if (options.nodeMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The `Content-Type` of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in Prometheus' text format (collects the gauges read on scrape first). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** `<prefix>mail_queue_jobs{state}`: BullMQ's job counts, asked when scraped (one Redis call). */
  protected watchQueue(prefix: string, queue: BullMailQueue): void {
    new Gauge({
      name: `${prefix}mail_queue_jobs`,
      help: 'Jobs in the durable mail queue, by state (waiting, delayed, active, failed), when scraped.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await withDeadline(queue.queue.getJobCounts(...QUEUE_STATES)).catch(() => null);
        // Unknown rather than stale while Redis does not answer.
        this.reset();
        if (counts) for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
  }
}
