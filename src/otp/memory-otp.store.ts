import { timingSafeEqual } from 'node:crypto';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { OtpStore } from './otp-store.js';
import type {
  Challenge,
  ConsumeResult,
  FailurePolicy,
  SendPolicy,
  StoredChallenge,
  SubjectCounters,
} from './otp.types.js';
import { sendWaitMs } from './send-budget.js';

interface Counter {
  n: number;
  expiresAt: number;
}

/**
 * {@link OtpStore} in process memory, for development without Redis and for unit tests.
 * Single-threaded JavaScript makes each method atomic. Not shared between processes. A challenge
 * is live until the `now` of a call reaches its deadline; a sweep each minute drops it once its
 * life has passed in real time, as Redis expires its key.
 */
@Injectable()
export class MemoryOtpStore extends OtpStore implements OnModuleDestroy {
  protected readonly challenges = new Map<string, StoredChallenge>();
  protected readonly failures = new Map<string, Counter>();
  protected readonly locks = new Map<string, number>();
  protected readonly sends = new Map<string, number[]>();
  /** When the sweep may drop each challenge, in real time (epoch ms). */
  protected readonly sweepAt = new Map<string, number>();
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), 60_000).unref();

  async create(ch: StoredChallenge, now: number): Promise<void> {
    this.challenges.set(ch.id, {
      ...ch,
      sends: 1,
      digests: [...ch.digests],
      meta: ch.meta ? { ...ch.meta } : undefined,
    });
    this.sweepAt.set(ch.id, Date.now() + (ch.expiresAt - now));
  }

  async get(id: string, now: number): Promise<Challenge | null> {
    const ch = this.live(id, now);
    if (!ch) return null;
    const { digests: _digests, ...challenge } = ch;
    return challenge;
  }

  async consume(id: string, identifier: string, digest: string, policy: FailurePolicy, now: number) {
    const ch = this.live(id, now);
    if (!ch) return { status: 'expired' } satisfies ConsumeResult;
    const locked = this.lockLeft(identifier, now);
    if (locked > 0) return { status: 'locked', retryAfterMs: locked } satisfies ConsumeResult;
    // Every digest is compared, in constant time: no early exit tells which one matched.
    const given = Buffer.from(digest);
    const match = ch.digests.reduce((found, d) => {
      const stored = Buffer.from(d);
      return (stored.length === given.length && timingSafeEqual(stored, given)) || found;
    }, false);
    if (match) {
      this.drop(id);
      const { digests: _digests, ...challenge } = ch;
      return { status: 'ok', challenge: { ...challenge, attemptsRemaining: 0 } } satisfies ConsumeResult;
    }
    ch.attemptsRemaining -= 1;
    if (ch.attemptsRemaining <= 0) this.drop(id);
    const lockMs = this.fail(identifier, policy, now);
    return { status: 'invalid', attemptsRemaining: Math.max(0, ch.attemptsRemaining), lockMs } satisfies ConsumeResult;
  }

  async addDigests(id: string, digests: string[], keep: number, now: number): Promise<number> {
    const ch = this.live(id, now);
    if (!ch) return 0;
    ch.digests = [...digests, ...ch.digests].slice(0, Math.max(1, keep));
    delete ch.undelivered;
    ch.sends = (ch.sends ?? 1) + 1;
    return ch.sends;
  }

  async markUndelivered(id: string, now: number): Promise<void> {
    const ch = this.live(id, now);
    if (ch) ch.undelivered = true;
  }

  async delete(id: string): Promise<void> {
    this.drop(id);
  }

  async lockedFor(identifier: string, now: number): Promise<number> {
    return this.lockLeft(identifier, now);
  }

  async recordFailure(identifier: string, policy: FailurePolicy, now: number): Promise<number> {
    return this.fail(identifier, policy, now);
  }

  async reserveSend(identifier: string, policy: SendPolicy, now: number): Promise<number> {
    const maxWindow = Math.max(policy.cooldownMs, ...policy.caps.map((c) => c.windowMs));
    const times = (this.sends.get(identifier) ?? []).filter((t) => t > now - maxWindow);
    this.sends.set(identifier, times);
    const wait = sendWaitMs(times, policy, now);
    if (wait > 0) return wait;
    times.push(now);
    return 0;
  }

  async counters(subject: string, now: number): Promise<SubjectCounters> {
    const c = this.failures.get(subject);
    const counted = c && c.expiresAt > now ? c : undefined;
    return {
      lockedMs: this.lockLeft(subject, now),
      failures: counted?.n ?? 0,
      failuresResetMs: counted ? counted.expiresAt - now : 0,
      sends: [...(this.sends.get(subject) ?? [])],
    };
  }

  async unlock(subject: string, now: number): Promise<boolean> {
    const locked = this.lockLeft(subject, now) > 0;
    this.locks.delete(subject);
    this.failures.delete(subject);
    return locked;
  }

  onModuleDestroy() {
    clearInterval(this.sweeper);
  }

  private live(id: string, now: number): StoredChallenge | undefined {
    const ch = this.challenges.get(id);
    if (ch && ch.expiresAt <= now) {
      this.drop(id);
      return undefined;
    }
    return ch;
  }

  private drop(id: string) {
    this.challenges.delete(id);
    this.sweepAt.delete(id);
  }

  private lockLeft(identifier: string, now: number): number {
    const until = this.locks.get(identifier) ?? 0;
    return until > now ? until - now : 0;
  }

  private fail(identifier: string, p: FailurePolicy, now: number): number {
    let c = this.failures.get(identifier);
    if (!c || c.expiresAt <= now) c = { n: 0, expiresAt: now + p.windowMs };
    c.n += 1;
    this.failures.set(identifier, c);
    if (c.n < p.threshold) return 0;
    const lock = Math.floor(Math.min(p.baseLockMs * 2 ** (c.n - p.threshold), p.maxLockMs));
    this.locks.set(identifier, now + lock);
    c.expiresAt = Math.max(c.expiresAt, now + lock + p.windowMs);
    return lock;
  }

  private sweep(now: number) {
    for (const [id, at] of this.sweepAt) if (at <= now) this.drop(id);
    for (const [id, c] of this.failures) if (c.expiresAt <= now) this.failures.delete(id);
    for (const [id, until] of this.locks) if (until <= now) this.locks.delete(id);
    for (const [id, t] of this.sends) if (t.every((x) => x <= now - 86_400_000)) this.sends.delete(id);
  }
}
