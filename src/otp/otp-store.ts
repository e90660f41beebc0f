import { randomBytes } from 'node:crypto';
import type {
  Challenge,
  ConsumeResult,
  FailurePolicy,
  SendPolicy,
  StoredChallenge,
  SubjectCounters,
} from './otp.types.js';

/**
 * Storage port for challenges and the per-identifier counters around them.
 * Every method that decides (consume, recordFailure, reserveSend) must be atomic:
 * of many concurrent correct `consume` calls exactly one may return `ok`.
 *
 * A lock subject (`identifier` of the lock methods) is an identifier, or `<identifier>#<qualifier>`
 * for a budget of its own under that account (a known device: `<email>#kd:<hash>`): everything a
 * store keeps for one account can live together (one Redis Cluster slot).
 *
 * Defaults: {@link RedisOtpStore} when Redis is configured, {@link MemoryOtpStore} otherwise.
 * Swap it with `OtpModule.forRoot({ store: MyStore })` or `overrideProvider(OtpStore)`.
 */
export abstract class OtpStore {
  /**
   * A new challenge id for `identifier`: random, at least 128 bits, URL-safe (`[A-Za-z0-9_-]`, at
   * most 64 characters). A store may fold a routing key of the identifier into it (the Redis store
   * does, so a challenge and its account's counters share a cluster slot).
   */
  newId(_identifier: string): string {
    return randomBytes(16).toString('base64url');
  }

  /**
   * Saves a new challenge. It is live until `now` (of a later call) reaches `expiresAt`; the store
   * may drop it by itself `expiresAt - now` ms of real time after this call (a Redis key's TTL).
   * @param now the time `expiresAt` was set from (the caller's clock, which a test may move).
   */
  abstract create(challenge: StoredChallenge, now: number): Promise<void>;
  /** The live challenge, or null when it is unknown, used up, or expired (`expiresAt <= now`). */
  abstract get(id: string, now: number): Promise<Challenge | null>;
  /**
   * Checks a digest against every digest the challenge accepts (in constant time, all of them),
   * atomically: a match deletes the challenge;
   * a mismatch spends one attempt (deleting the challenge at zero) and counts one
   * failure for `identifier` under `policy`. Refuses while `identifier` is locked.
   */
  abstract consume(
    id: string,
    identifier: string,
    digest: string,
    policy: FailurePolicy,
    now: number,
  ): Promise<ConsumeResult>;
  /**
   * Adds the digests of a resend to a live challenge (newest first), keeping only the newest `keep`
   * (the older ones stop working), its attempts and deadline unchanged; clears its `undelivered`
   * mark (a new mail goes out) and counts the send.
   * @returns the challenge's new send count, or 0 when it is gone.
   */
  abstract addDigests(id: string, digests: string[], keep: number, now: number): Promise<number>;
  /** Marks a live challenge `undelivered` (its latest mail could not be delivered); a no-op if gone. */
  abstract markUndelivered(id: string, now: number): Promise<void>;
  abstract delete(id: string): Promise<void>;
  /** Milliseconds left on the identifier's lock, 0 when it is not locked. */
  abstract lockedFor(identifier: string, now: number): Promise<number>;
  /** Counts one failure (e.g. a wrong password); returns the lock it started in ms, or 0. */
  abstract recordFailure(identifier: string, policy: FailurePolicy, now: number): Promise<number>;
  /** Takes one send from the identifier's budget: 0 when allowed, else ms to wait. */
  abstract reserveSend(identifier: string, policy: SendPolicy, now: number): Promise<number>;
  /**
   * The lock, failure count and send times kept for a subject (an operator's view; it reads and
   * changes nothing else, and never a challenge).
   */
  abstract counters(subject: string, now: number): Promise<SubjectCounters>;
  /**
   * Ends a subject's lock and forgets its failures (an operator's decision), so its next answer is
   * checked as if it had never failed; its send budget is kept.
   * @returns true when the subject was locked.
   */
  abstract unlock(subject: string, now: number): Promise<boolean>;

  /**
   * {@link lockedFor}, then (when not locked) {@link reserveSend}. Stores that can do both in one
   * round trip override it; this default makes two calls.
   */
  async reserveSendUnlessLocked(
    identifier: string,
    policy: SendPolicy,
    now: number,
  ): Promise<{ lockedMs: number; waitMs: number }> {
    const lockedMs = await this.lockedFor(identifier, now);
    if (lockedMs > 0) return { lockedMs, waitMs: 0 };
    return { lockedMs: 0, waitMs: await this.reserveSend(identifier, policy, now) };
  }
}
