import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OtpStore } from './otp-store.js';
import type { FailurePolicy, SendPolicy, StoredChallenge } from './otp.types.js';

/** What a contract run needs: a fresh store and a way to remove everything it wrote. */
export interface OtpStoreFixture {
  store: OtpStore;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const uid = () => randomUUID().replaceAll('-', '');

/** A policy that never locks within a test: for attempt counting on its own. */
const NO_LOCK: FailurePolicy = { threshold: 1_000, windowMs: 60_000, baseLockMs: 50, maxLockMs: 200 };
/** Locks from the 3rd failure: 50 ms, then 100 ms, then capped at 150 ms (short: tests wait for it to end). */
const STRICT: FailurePolicy = { threshold: 3, windowMs: 60_000, baseLockMs: 50, maxLockMs: 150 };
/** Locks from the 3rd failure for long enough that a slow machine still sees the lock. */
const SLOW: FailurePolicy = { threshold: 3, windowMs: 60_000, baseLockMs: 400, maxLockMs: 1_600 };

function challenge(overrides: Partial<StoredChallenge> = {}): StoredChallenge {
  return {
    id: `ch-${uid()}`,
    purpose: 'sign-in',
    identifier: `user-${uid()}@example.test`,
    factor: 'email-otp',
    expiresAt: Date.now() + 60_000,
    attemptsRemaining: 5,
    digests: ['right-digest'],
    ...overrides,
  };
}

/** What `get` answers for a stored challenge: no digests, one send so far. */
function withoutDigest({ digests: _digests, ...rest }: StoredChallenge) {
  return { ...rest, sends: 1 };
}

/**
 * The behaviour every {@link OtpStore} must show. Run it from a spec with a factory that
 * returns a fresh store (and its cleanup) for each test.
 *
 * Time: the Redis store keeps TTLs and locks on the Redis clock, so expiry and lock tests
 * use short real durations and pass `Date.now()` as `now`. Only what both stores compute
 * from `now` (challenge deadlines in get/consume/addDigests, send windows) uses a shifted `now`:
 * the caller's clock, which a test may move (a store keeps a challenge `expiresAt - now` of real time).
 */
export function otpStoreContract(name: string, make: () => Promise<OtpStoreFixture>): void {
  describe(`OtpStore contract: ${name}`, () => {
    let store: OtpStore;
    let fixture: OtpStoreFixture | undefined;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    describe('create / get / delete', () => {
      it('returns the stored challenge without its digest', async () => {
        const ch = challenge({ meta: { passwordHash: '$argon2id$x', note: 'a|b' } });
        await store.create(ch, Date.now());
        const got = await store.get(ch.id, Date.now());
        expect(got).toEqual(withoutDigest(ch));
        expect(got).not.toHaveProperty('digests');
      });

      it('keeps a challenge without meta free of meta', async () => {
        const ch = challenge({ purpose: 'sign-up', attemptsRemaining: 3 });
        await store.create(ch, Date.now());
        const got = await store.get(ch.id, Date.now());
        expect(got).toEqual(withoutDigest(ch));
        expect(got?.meta).toBeUndefined();
      });

      it('answers null for an unknown id', async () => {
        expect(await store.get(`missing-${uid()}`, Date.now())).toBeNull();
      });

      it('answers null once the deadline has passed', async () => {
        const ch = challenge({ expiresAt: Date.now() + 100 });
        await store.create(ch, Date.now());
        expect(await store.get(ch.id, Date.now())).not.toBeNull();
        await sleep(130);
        expect(await store.get(ch.id, Date.now())).toBeNull();
      });

      it('answers null when `now` is at or past the deadline, whatever real time says', async () => {
        const ch = challenge({ expiresAt: Date.now() + 60_000 });
        await store.create(ch, Date.now());
        expect(await store.get(ch.id, ch.expiresAt - 1)).not.toBeNull();
        expect(await store.get(ch.id, ch.expiresAt)).toBeNull();
      });

      it('keeps a challenge made on a clock behind real time for its whole life (`expiresAt - now`)', async () => {
        // A test clock set ten minutes back: the deadline is already past in real time.
        const now = Date.now() - 600_000;
        const ch = challenge({ expiresAt: now + 60_000 });
        await store.create(ch, now);
        await sleep(50);
        expect(await store.get(ch.id, now + 50)).toEqual(withoutDigest(ch));
        expect((await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, now + 50)).status).toBe('ok');
      });

      it('delete removes the challenge', async () => {
        const ch = challenge();
        await store.create(ch, Date.now());
        await store.delete(ch.id);
        expect(await store.get(ch.id, Date.now())).toBeNull();
        expect(await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, Date.now())).toEqual({
          status: 'expired',
        });
      });
    });

    describe('consume', () => {
      it('accepts the right digest once and deletes the challenge', async () => {
        const ch = challenge({ meta: { k: 'v' } });
        await store.create(ch, Date.now());
        const first = await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, Date.now());
        expect(first.status).toBe('ok');
        if (first.status !== 'ok') return;
        const { attemptsRemaining: _a, ...expected } = withoutDigest(ch);
        expect(first.challenge).toMatchObject(expected);
        expect(await store.get(ch.id, Date.now())).toBeNull();
        expect(await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, Date.now())).toEqual({
          status: 'expired',
        });
      });

      it('counts attempts down to 0 on wrong digests, then the challenge is gone', async () => {
        const ch = challenge({ attemptsRemaining: 5 });
        await store.create(ch, Date.now());
        for (const left of [4, 3, 2, 1]) {
          expect(await store.consume(ch.id, ch.identifier, 'wrong', NO_LOCK, Date.now())).toEqual({
            status: 'invalid',
            attemptsRemaining: left,
            lockMs: 0,
          });
          expect((await store.get(ch.id, Date.now()))?.attemptsRemaining).toBe(left);
        }
        expect(await store.consume(ch.id, ch.identifier, 'wrong', NO_LOCK, Date.now())).toEqual({
          status: 'invalid',
          attemptsRemaining: 0,
          lockMs: 0,
        });
        expect(await store.get(ch.id, Date.now())).toBeNull();
        // Even the right digest cannot bring it back.
        expect(await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, Date.now())).toEqual({
          status: 'expired',
        });
      });

      it('answers expired for a challenge past its deadline (real expiry)', async () => {
        const ch = challenge({ expiresAt: Date.now() + 30 });
        await store.create(ch, Date.now());
        await sleep(60);
        expect(await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, Date.now())).toEqual({
          status: 'expired',
        });
      });

      it('answers expired when `now` is at or past the deadline, and drops the challenge', async () => {
        const ch = challenge();
        await store.create(ch, Date.now());
        expect(await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, ch.expiresAt)).toEqual({
          status: 'expired',
        });
        expect(await store.get(ch.id, Date.now())).toBeNull();
      });

      it('does not count a failure for an expired challenge', async () => {
        const ch = challenge({ expiresAt: Date.now() + 60_000 });
        await store.create(ch, Date.now());
        for (let i = 0; i < STRICT.threshold; i++) {
          expect((await store.consume(ch.id, ch.identifier, 'wrong', STRICT, ch.expiresAt + 1)).status).toBe('expired');
        }
        expect(await store.lockedFor(ch.identifier, Date.now())).toBe(0);
      });

      it('of 20 parallel correct submissions exactly one succeeds', async () => {
        const ch = challenge();
        await store.create(ch, Date.now());
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, Date.now())),
        );
        expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'expired')).toHaveLength(19);
      });

      it('of 20 parallel wrong submissions exactly `attemptsRemaining` are counted', async () => {
        const ch = challenge({ attemptsRemaining: 5 });
        await store.create(ch, Date.now());
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.consume(ch.id, ch.identifier, 'wrong', NO_LOCK, Date.now())),
        );
        const invalid = results.flatMap((r) => (r.status === 'invalid' ? [r.attemptsRemaining] : []));
        expect(invalid.sort()).toEqual([0, 1, 2, 3, 4]);
        expect(results.filter((r) => r.status === 'expired')).toHaveLength(15);
        expect(await store.get(ch.id, Date.now())).toBeNull();
      });
    });

    describe('per-identifier lock', () => {
      it('locks at the threshold-th failure across challenges, then refuses even the right digest', async () => {
        const identifier = `user-${uid()}@example.test`;
        const chs = [challenge({ identifier }), challenge({ identifier }), challenge({ identifier })];
        for (const ch of chs) await store.create(ch, Date.now());

        expect(await store.consume(chs[0].id, identifier, 'wrong', SLOW, Date.now())).toEqual({
          status: 'invalid',
          attemptsRemaining: 4,
          lockMs: 0,
        });
        expect(await store.consume(chs[1].id, identifier, 'wrong', SLOW, Date.now())).toEqual({
          status: 'invalid',
          attemptsRemaining: 4,
          lockMs: 0,
        });
        expect(await store.lockedFor(identifier, Date.now())).toBe(0);
        // The threshold-th failure is still answered as wrong, and starts the lock.
        expect(await store.consume(chs[2].id, identifier, 'wrong', SLOW, Date.now())).toEqual({
          status: 'invalid',
          attemptsRemaining: 4,
          lockMs: SLOW.baseLockMs,
        });

        const left = await store.lockedFor(identifier, Date.now());
        expect(left).toBeGreaterThan(0);
        expect(left).toBeLessThanOrEqual(SLOW.baseLockMs);

        const refused = await store.consume(chs[0].id, identifier, chs[0].digests[0], SLOW, Date.now());
        expect(refused.status).toBe('locked');
        if (refused.status === 'locked') {
          expect(refused.retryAfterMs).toBeGreaterThan(0);
          expect(refused.retryAfterMs).toBeLessThanOrEqual(SLOW.baseLockMs);
        }
        // A wrong digest while locked is refused the same way and is not counted.
        expect((await store.consume(chs[1].id, identifier, 'wrong', SLOW, Date.now())).status).toBe('locked');
        // A refusal while locked spends no attempt and keeps the challenge.
        expect((await store.get(chs[0].id, Date.now()))?.attemptsRemaining).toBe(4);
        expect((await store.get(chs[1].id, Date.now()))?.attemptsRemaining).toBe(4);
        // Other identifiers are not affected.
        const other = challenge();
        await store.create(other, Date.now());
        expect(await store.lockedFor(other.identifier, Date.now())).toBe(0);
        expect((await store.consume(other.id, other.identifier, other.digests[0], SLOW, Date.now())).status).toBe('ok');
      });

      it('lets the right digest through once the lock has passed', async () => {
        const identifier = `user-${uid()}@example.test`;
        const ch = challenge({ identifier, attemptsRemaining: 10 });
        await store.create(ch, Date.now());
        for (let i = 0; i < STRICT.threshold; i++) await store.consume(ch.id, identifier, 'wrong', STRICT, Date.now());
        await sleep(STRICT.baseLockMs + 30);
        expect(await store.lockedFor(identifier, Date.now())).toBe(0);
        const ok = await store.consume(ch.id, identifier, ch.digests[0], STRICT, Date.now());
        expect(ok.status).toBe('ok');
      });

      it('grows the lock with each further failure, up to maxLockMs', async () => {
        const identifier = `user-${uid()}@example.test`;
        const ch = challenge({ identifier, attemptsRemaining: 10 });
        await store.create(ch, Date.now());
        for (let i = 1; i < STRICT.threshold; i++) {
          expect(await store.consume(ch.id, identifier, 'wrong', STRICT, Date.now())).toMatchObject({ lockMs: 0 });
        }
        expect(await store.consume(ch.id, identifier, 'wrong', STRICT, Date.now())).toMatchObject({
          status: 'invalid',
          lockMs: 50,
        });
        await sleep(80);
        // The failure after the first lock (threshold + 1) locks twice as long.
        expect(await store.consume(ch.id, identifier, 'wrong', STRICT, Date.now())).toMatchObject({
          status: 'invalid',
          lockMs: 100,
        });
        await sleep(130);
        // 200 would be next: capped at maxLockMs.
        expect(await store.consume(ch.id, identifier, 'wrong', STRICT, Date.now())).toMatchObject({
          status: 'invalid',
          lockMs: STRICT.maxLockMs,
        });
      });

      it('recordFailure counts toward the same lock as wrong codes', async () => {
        const identifier = `user-${uid()}@example.test`;
        const ch = challenge({ identifier });
        await store.create(ch, Date.now());
        expect(await store.recordFailure(identifier, SLOW, Date.now())).toBe(0);
        expect(await store.recordFailure(identifier, SLOW, Date.now())).toBe(0);
        expect(await store.lockedFor(identifier, Date.now())).toBe(0);
        // The third failure is a wrong code: it is still answered (invalid) and starts the lock.
        expect(await store.consume(ch.id, identifier, 'wrong', SLOW, Date.now())).toEqual({
          status: 'invalid',
          attemptsRemaining: 4,
          lockMs: SLOW.baseLockMs,
        });
        expect((await store.consume(ch.id, identifier, ch.digests[0], SLOW, Date.now())).status).toBe('locked');
      });

      it('wrong codes count toward a lock that recordFailure then starts', async () => {
        const identifier = `user-${uid()}@example.test`;
        const ch = challenge({ identifier });
        await store.create(ch, Date.now());
        await store.consume(ch.id, identifier, 'wrong', SLOW, Date.now());
        await store.consume(ch.id, identifier, 'wrong', SLOW, Date.now());
        expect(await store.recordFailure(identifier, SLOW, Date.now())).toBe(SLOW.baseLockMs);
        expect(await store.lockedFor(identifier, Date.now())).toBeGreaterThan(0);
      });

      it('recordFailure returns the lock it starts, doubling up to maxLockMs', async () => {
        const identifier = `user-${uid()}@example.test`;
        const locks: number[] = [];
        for (let i = 0; i < 6; i++) locks.push(await store.recordFailure(identifier, SLOW, Date.now()));
        expect(locks).toEqual([0, 0, 400, 800, 1_600, 1_600]);
        const left = await store.lockedFor(identifier, Date.now());
        expect(left).toBeGreaterThan(800);
        expect(left).toBeLessThanOrEqual(1_600);
      });

      it('lockedFor is 0 for an identifier that never failed and after the lock ends', async () => {
        const identifier = `user-${uid()}@example.test`;
        expect(await store.lockedFor(identifier, Date.now())).toBe(0);
        const policy: FailurePolicy = { threshold: 1, windowMs: 60_000, baseLockMs: 120, maxLockMs: 120 };
        expect(await store.recordFailure(identifier, policy, Date.now())).toBe(120);
        expect(await store.lockedFor(identifier, Date.now())).toBeGreaterThan(0);
        await sleep(150);
        expect(await store.lockedFor(identifier, Date.now())).toBe(0);
      });
    });

    describe('reserveSend', () => {
      it('enforces the cooldown and returns the ms left', async () => {
        const identifier = `user-${uid()}@example.test`;
        const policy: SendPolicy = { cooldownMs: 10_000, caps: [] };
        const t0 = Date.now();
        expect(await store.reserveSend(identifier, policy, t0)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 3_000)).toBe(7_000);
        // A refused send does not restart the cooldown.
        expect(await store.reserveSend(identifier, policy, t0 + 5_000)).toBe(5_000);
        // Another identifier has its own budget.
        expect(await store.reserveSend(`other-${uid()}`, policy, t0 + 5_000)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 10_000)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 10_001)).toBe(9_999);
      });

      it('enforces a cap: the wait lasts until the oldest send leaves the window', async () => {
        const identifier = `user-${uid()}@example.test`;
        const policy: SendPolicy = { cooldownMs: 0, caps: [{ windowMs: 10_000, max: 2 }] };
        const t0 = Date.now();
        expect(await store.reserveSend(identifier, policy, t0)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 1_000)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 2_000)).toBe(8_000);
        expect(await store.reserveSend(identifier, policy, t0 + 9_000)).toBe(1_000);
        expect(await store.reserveSend(identifier, policy, t0 + 10_000)).toBe(0);
        // Now t0+1000 and t0+10000 are in the window: wait for t0+1000 to leave it.
        expect(await store.reserveSend(identifier, policy, t0 + 10_500)).toBe(500);
      });

      it('applies every cap (hourly and daily style) with the cooldown', async () => {
        const identifier = `user-${uid()}@example.test`;
        const policy: SendPolicy = {
          cooldownMs: 1_000,
          caps: [
            { windowMs: 10_000, max: 2 },
            { windowMs: 100_000, max: 3 },
          ],
        };
        const t0 = Date.now();
        expect(await store.reserveSend(identifier, policy, t0)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 500)).toBe(500); // cooldown
        expect(await store.reserveSend(identifier, policy, t0 + 1_000)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 2_000)).toBe(8_000); // small window full
        expect(await store.reserveSend(identifier, policy, t0 + 10_000)).toBe(0);
        // Small window has room again, the big one is full until t0 leaves it.
        expect(await store.reserveSend(identifier, policy, t0 + 12_000)).toBe(88_000);
      });

      it('works with short real windows', async () => {
        const identifier = `user-${uid()}@example.test`;
        const policy: SendPolicy = { cooldownMs: 0, caps: [{ windowMs: 1_000, max: 2 }] };
        expect(await store.reserveSend(identifier, policy, Date.now())).toBe(0);
        expect(await store.reserveSend(identifier, policy, Date.now())).toBe(0);
        const wait = await store.reserveSend(identifier, policy, Date.now());
        // Close to the whole window (a slow machine may have spent some of it).
        expect(wait).toBeGreaterThan(0);
        expect(wait).toBeLessThanOrEqual(1_000);
      });
    });

    describe('reserveSendUnlessLocked', () => {
      it('reserves like reserveSend while the identifier is not locked', async () => {
        const identifier = `user-${uid()}@example.test`;
        const policy: SendPolicy = { cooldownMs: 10_000, caps: [] };
        const t0 = Date.now();
        expect(await store.reserveSendUnlessLocked(identifier, policy, t0)).toEqual({ lockedMs: 0, waitMs: 0 });
        expect(await store.reserveSendUnlessLocked(identifier, policy, t0 + 4_000)).toEqual({
          lockedMs: 0,
          waitMs: 6_000,
        });
      });

      it('answers the lock first and spends nothing from the budget while locked', async () => {
        const identifier = `user-${uid()}@example.test`;
        const policy: SendPolicy = { cooldownMs: 10_000, caps: [] };
        const now = Date.now();
        for (let i = 0; i < SLOW.threshold; i++) await store.recordFailure(identifier, SLOW, now);
        const locked = await store.reserveSendUnlessLocked(identifier, policy, now);
        expect(locked.lockedMs).toBeGreaterThan(0);
        expect(locked.waitMs).toBe(0);
        // The refused attempt took no send: once the lock is over, the first send goes through.
        expect(await store.reserveSend(identifier, policy, now)).toBe(0);
      });
    });

    describe('counters and unlock (an operator)', () => {
      it('counters show the lock, the failures and the send times, and nothing for a fresh subject', async () => {
        const identifier = `user-${uid()}@example.test`;
        expect(await store.counters(identifier, Date.now())).toEqual({
          lockedMs: 0,
          failures: 0,
          failuresResetMs: 0,
          sends: [],
        });
        await store.recordFailure(identifier, SLOW, Date.now());
        await store.recordFailure(identifier, SLOW, Date.now());
        const counting = await store.counters(identifier, Date.now());
        expect(counting).toMatchObject({ lockedMs: 0, failures: 2, sends: [] });
        expect(counting.failuresResetMs).toBeGreaterThan(0);
        expect(counting.failuresResetMs).toBeLessThanOrEqual(SLOW.windowMs);

        await store.recordFailure(identifier, SLOW, Date.now());
        const locked = await store.counters(identifier, Date.now());
        expect(locked.failures).toBe(3);
        expect(locked.lockedMs).toBeGreaterThan(0);
        expect(locked.lockedMs).toBeLessThanOrEqual(SLOW.baseLockMs);

        const policy: SendPolicy = { cooldownMs: 1_000, caps: [{ windowMs: 60_000, max: 5 }] };
        const t0 = Date.now();
        expect(await store.reserveSend(identifier, policy, t0)).toBe(0);
        expect(await store.reserveSend(identifier, policy, t0 + 500)).toBe(500);
        expect(await store.reserveSend(identifier, policy, t0 + 2_000)).toBe(0);
        expect((await store.counters(identifier, t0 + 2_000)).sends).toEqual([t0, t0 + 2_000]);
      });

      it('unlock ends the lock and forgets the failures: the right digest goes through, the budget stays', async () => {
        const identifier = `user-${uid()}@example.test`;
        const ch = challenge({ identifier, attemptsRemaining: 10 });
        await store.create(ch, Date.now());
        const policy: SendPolicy = { cooldownMs: 60_000, caps: [] };
        expect(await store.reserveSend(identifier, policy, Date.now())).toBe(0);
        for (let i = 0; i < SLOW.threshold; i++) await store.consume(ch.id, identifier, 'wrong', SLOW, Date.now());
        expect((await store.consume(ch.id, identifier, ch.digests[0], SLOW, Date.now())).status).toBe('locked');

        expect(await store.unlock(identifier, Date.now())).toBe(true);
        expect(await store.counters(identifier, Date.now())).toMatchObject({
          lockedMs: 0,
          failures: 0,
          failuresResetMs: 0,
        });
        expect(await store.lockedFor(identifier, Date.now())).toBe(0);
        // The send budget is not a lock: the cooldown still holds.
        expect(await store.reserveSend(identifier, policy, Date.now())).toBeGreaterThan(0);
        // Counting starts again from zero: one more wrong answer does not lock.
        expect(await store.consume(ch.id, identifier, 'wrong', SLOW, Date.now())).toMatchObject({ lockMs: 0 });
        expect((await store.consume(ch.id, identifier, ch.digests[0], SLOW, Date.now())).status).toBe('ok');
        // Nothing left to unlock.
        expect(await store.unlock(identifier, Date.now())).toBe(false);
      });

      it("unlocking one subject leaves the account's other subjects as they were", async () => {
        const identifier = `user-${uid()}@example.test`;
        const device = `${identifier}#kd:${uid()}`;
        for (let i = 0; i < SLOW.threshold; i++) {
          await store.recordFailure(identifier, SLOW, Date.now());
          await store.recordFailure(device, SLOW, Date.now());
        }
        expect(await store.unlock(identifier, Date.now())).toBe(true);
        expect(await store.lockedFor(identifier, Date.now())).toBe(0);
        expect(await store.lockedFor(device, Date.now())).toBeGreaterThan(0);
        expect((await store.counters(device, Date.now())).failures).toBe(SLOW.threshold);
      });
    });

    describe('addDigests', () => {
      it('adds a resend: the new digest works, attempts and deadline stay, the send is counted', async () => {
        const ch = challenge({ attemptsRemaining: 5 });
        await store.create(ch, Date.now());
        expect((await store.get(ch.id, Date.now()))?.sends).toBe(1);
        expect((await store.consume(ch.id, ch.identifier, 'wrong', NO_LOCK, Date.now())).status).toBe('invalid');

        expect(await store.addDigests(ch.id, ['new-digest'], 3, Date.now())).toBe(2);
        const after = await store.get(ch.id, Date.now());
        expect(after?.attemptsRemaining).toBe(4);
        expect(after?.expiresAt).toBe(ch.expiresAt);
        expect(after?.sends).toBe(2);
        expect((await store.consume(ch.id, ch.identifier, 'new-digest', NO_LOCK, Date.now())).status).toBe('ok');
      });

      it('keeps the newest `keep` digests: each of them works, an older one does not', async () => {
        for (const pick of ['d1', 'd2', 'd3']) {
          const ch = challenge({ digests: ['d0'] });
          await store.create(ch, Date.now());
          await store.addDigests(ch.id, ['d1'], 3, Date.now());
          await store.addDigests(ch.id, ['d2'], 3, Date.now());
          expect(await store.addDigests(ch.id, ['d3'], 3, Date.now())).toBe(4);
          // d0 fell out of the three kept: refused, and it spends an attempt.
          expect(await store.consume(ch.id, ch.identifier, 'd0', NO_LOCK, Date.now())).toEqual({
            status: 'invalid',
            attemptsRemaining: 4,
            lockMs: 0,
          });
          const ok = await store.consume(ch.id, ch.identifier, pick, NO_LOCK, Date.now());
          expect(ok.status, pick).toBe('ok');
          // Using one consumes the challenge: the others die with it.
          for (const other of ['d1', 'd2', 'd3'].filter((d) => d !== pick)) {
            expect((await store.consume(ch.id, ch.identifier, other, NO_LOCK, Date.now())).status).toBe('expired');
          }
        }
      });

      it('adds several digests at once (a code and a link), newest first', async () => {
        const ch = challenge({ digests: ['code-0', 'link-0'] });
        await store.create(ch, Date.now());
        await store.addDigests(ch.id, ['code-1', 'link-1'], 2, Date.now());
        expect((await store.consume(ch.id, ch.identifier, 'code-0', NO_LOCK, Date.now())).status).toBe('invalid');
        expect((await store.consume(ch.id, ch.identifier, 'link-1', NO_LOCK, Date.now())).status).toBe('ok');
      });

      it('with keep 1 a resend voids the previous code', async () => {
        const ch = challenge();
        await store.create(ch, Date.now());
        await store.addDigests(ch.id, ['new-digest'], 1, Date.now());
        expect((await store.consume(ch.id, ch.identifier, ch.digests[0], NO_LOCK, Date.now())).status).toBe('invalid');
        expect((await store.consume(ch.id, ch.identifier, 'new-digest', NO_LOCK, Date.now())).status).toBe('ok');
      });

      it('of the valid digests submitted in parallel, exactly one succeeds', async () => {
        const ch = challenge({ digests: ['a'] });
        await store.create(ch, Date.now());
        await store.addDigests(ch.id, ['b'], 3, Date.now());
        await store.addDigests(ch.id, ['c'], 3, Date.now());
        const results = await Promise.all(
          ['a', 'b', 'c', 'a', 'b', 'c'].map((d) => store.consume(ch.id, ch.identifier, d, NO_LOCK, Date.now())),
        );
        expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
      });

      it('returns 0 for an unknown, consumed or expired challenge', async () => {
        expect(await store.addDigests(`missing-${uid()}`, ['d'], 3, Date.now())).toBe(0);

        const used = challenge();
        await store.create(used, Date.now());
        expect((await store.consume(used.id, used.identifier, used.digests[0], NO_LOCK, Date.now())).status).toBe('ok');
        expect(await store.addDigests(used.id, ['d'], 3, Date.now())).toBe(0);

        const late = challenge();
        await store.create(late, Date.now());
        expect(await store.addDigests(late.id, ['d'], 3, late.expiresAt)).toBe(0);

        const gone = challenge({ expiresAt: Date.now() + 30 });
        await store.create(gone, Date.now());
        await sleep(60);
        expect(await store.addDigests(gone.id, ['d'], 3, Date.now())).toBe(0);
        expect(await store.get(gone.id, Date.now())).toBeNull();
      });
    });

    describe('markUndelivered', () => {
      it('marks a live challenge, and a replaced code clears the mark', async () => {
        const ch = challenge();
        await store.create(ch, Date.now());
        expect((await store.get(ch.id, Date.now()))?.undelivered).toBeFalsy();
        await store.markUndelivered(ch.id, Date.now());
        expect((await store.get(ch.id, Date.now()))?.undelivered).toBe(true);
        // Attempts and deadline are untouched.
        expect((await store.get(ch.id, Date.now()))?.attemptsRemaining).toBe(ch.attemptsRemaining);
        expect(await store.addDigests(ch.id, ['new-digest'], 3, Date.now())).toBe(2);
        expect((await store.get(ch.id, Date.now()))?.undelivered).toBeFalsy();
      });

      it('never brings back a consumed, deleted or unknown challenge', async () => {
        const used = challenge();
        await store.create(used, Date.now());
        expect((await store.consume(used.id, used.identifier, used.digests[0], NO_LOCK, Date.now())).status).toBe('ok');
        await store.markUndelivered(used.id, Date.now());
        expect(await store.get(used.id, Date.now())).toBeNull();
        const gone = challenge();
        await store.create(gone, Date.now());
        await store.delete(gone.id);
        await store.markUndelivered(gone.id, Date.now());
        expect(await store.get(gone.id, Date.now())).toBeNull();
        await store.markUndelivered(`missing-${uid()}`, Date.now());
        expect(await store.get(`missing-${uid()}`, Date.now())).toBeNull();
      });
    });
  });
}
