import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TotpStore } from './totp-store.js';
import type { TotpCredential } from './totp.types.js';

/** What a contract run needs: a fresh store and, optionally, a way to remove everything it wrote. */
export interface TotpStoreFixture {
  store: TotpStore;
  cleanup?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const uid = () => randomUUID().replaceAll('-', '');
const email = () => `user-${uid()}@example.test`;

/** A step near today's (about 58 million), so stores are tested with realistic magnitudes. */
const STEP = Math.floor(Date.now() / 30_000);

function credential(overrides: Partial<TotpCredential> = {}): TotpCredential {
  return { sealedSecret: `v1.k1.${uid()}.ct.tag`, createdAt: Date.now(), lastStep: STEP, ...overrides };
}

/**
 * The behaviour every {@link TotpStore} must show. Run it from a spec with a factory that returns a
 * fresh store (and its cleanup) for each test. Pending expiry uses real time (a 1-second TTL), as
 * Redis keeps it on its own clock.
 */
export function totpStoreContract(name: string, make: () => Promise<TotpStoreFixture>): void {
  describe(`TotpStore contract: ${name}`, () => {
    let store: TotpStore;
    let fixture: TotpStoreFixture | undefined;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    describe('get / save / remove', () => {
      it('answers null for an account without an authenticator', async () => {
        expect(await store.get(email())).toBeNull();
      });

      it('returns what was saved', async () => {
        const who = email();
        const c = credential({ createdAt: 1_700_000_000_123, lastStep: 0 });
        await store.save(who, c);
        expect(await store.get(who)).toEqual(c);
      });

      it('keeps accounts apart, including emails that look alike', async () => {
        const a = `a+${uid()}@example.test`;
        const b = `${a}.`;
        await store.save(a, credential({ sealedSecret: 'sealed-a' }));
        await store.save(b, credential({ sealedSecret: 'sealed-b' }));
        expect((await store.get(a))?.sealedSecret).toBe('sealed-a');
        expect((await store.get(b))?.sealedSecret).toBe('sealed-b');
      });

      it('save replaces the previous authenticator and its last step', async () => {
        const who = email();
        await store.save(who, credential({ lastStep: STEP + 5 }));
        const next = credential({ lastStep: STEP - 10 });
        await store.save(who, next);
        expect(await store.get(who)).toEqual(next);
        // The replaced credential's replay guard is gone with it.
        expect(await store.acceptStep(who, STEP)).toBe(true);
      });

      it('is not changed through the objects passed in or returned', async () => {
        const who = email();
        const c = credential();
        await store.save(who, c);
        c.lastStep = STEP + 100;
        const got = await store.get(who);
        got!.sealedSecret = 'changed';
        expect(await store.get(who)).toEqual({ ...c, lastStep: STEP });
      });

      it('remove deletes the authenticator and says whether there was one', async () => {
        const who = email();
        const other = email();
        await store.save(who, credential());
        await store.save(other, credential());
        expect(await store.remove(who)).toBe(true);
        expect(await store.get(who)).toBeNull();
        expect(await store.remove(who)).toBe(false);
        expect(await store.get(other)).not.toBeNull();
      });
    });

    describe('acceptStep (RFC 6238 §5.2 replay guard)', () => {
      it('accepts a later step once and records it', async () => {
        const who = email();
        await store.save(who, credential({ lastStep: STEP }));
        expect(await store.acceptStep(who, STEP + 1)).toBe(true);
        expect((await store.get(who))?.lastStep).toBe(STEP + 1);
        expect(await store.acceptStep(who, STEP + 1)).toBe(false);
      });

      it('refuses the last step and every earlier one, leaving lastStep alone', async () => {
        const who = email();
        await store.save(who, credential({ lastStep: STEP }));
        expect(await store.acceptStep(who, STEP)).toBe(false);
        expect(await store.acceptStep(who, STEP - 1)).toBe(false);
        expect(await store.acceptStep(who, 0)).toBe(false);
        expect((await store.get(who))?.lastStep).toBe(STEP);
        // A jump forward also closes every step before it.
        expect(await store.acceptStep(who, STEP + 3)).toBe(true);
        expect(await store.acceptStep(who, STEP + 2)).toBe(false);
        expect(await store.acceptStep(who, STEP + 4)).toBe(true);
      });

      it('refuses an account without an authenticator and does not create one', async () => {
        const who = email();
        expect(await store.acceptStep(who, STEP)).toBe(false);
        expect(await store.get(who)).toBeNull();
        await store.save(who, credential());
        await store.remove(who);
        expect(await store.acceptStep(who, STEP + 1)).toBe(false);
        expect(await store.get(who)).toBeNull();
      });

      it('keeps accounts apart', async () => {
        const a = email();
        const b = email();
        await store.save(a, credential({ lastStep: STEP }));
        await store.save(b, credential({ lastStep: STEP }));
        expect(await store.acceptStep(a, STEP + 1)).toBe(true);
        expect(await store.acceptStep(b, STEP + 1)).toBe(true);
      });

      it('of 20 concurrent calls with the same step, exactly one is accepted', async () => {
        const who = email();
        await store.save(who, credential({ lastStep: STEP }));
        const results = await Promise.all(Array.from({ length: 20 }, () => store.acceptStep(who, STEP + 1)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.get(who))?.lastStep).toBe(STEP + 1);
      });

      it('never moves lastStep backwards under concurrent calls with different steps', async () => {
        const who = email();
        await store.save(who, credential({ lastStep: STEP }));
        const steps = Array.from({ length: 20 }, (_, i) => STEP + 1 + ((i * 7) % 20));
        const results = await Promise.all(steps.map((s) => store.acceptStep(who, s)));
        expect(results.some(Boolean)).toBe(true);
        expect((await store.get(who))?.lastStep).toBe(STEP + 20);
      });

      it.each([Number.NaN, 1.5, -1, Number.MAX_SAFE_INTEGER + 2])(
        'throws a RangeError for the step %s',
        async (step) => {
          const who = email();
          await store.save(who, credential({ lastStep: 0 }));
          await expect(store.acceptStep(who, step)).rejects.toThrow(RangeError);
          expect((await store.get(who))?.lastStep).toBe(0);
        },
      );
    });

    describe('pending enrolments', () => {
      it('takePending returns the secret once', async () => {
        const id = uid();
        await store.savePending(id, 'sealed-pending', 600);
        expect(await store.takePending(id)).toBe('sealed-pending');
        expect(await store.takePending(id)).toBeNull();
      });

      it('answers null for an unknown id and keeps ids apart', async () => {
        const a = uid();
        const b = uid();
        await store.savePending(a, 'sealed-a', 600);
        await store.savePending(b, 'sealed-b', 600);
        expect(await store.takePending(uid())).toBeNull();
        expect(await store.takePending(b)).toBe('sealed-b');
        expect(await store.takePending(a)).toBe('sealed-a');
      });

      it('savePending replaces what the id held', async () => {
        const id = uid();
        await store.savePending(id, 'first', 600);
        await store.savePending(id, 'second', 600);
        expect(await store.takePending(id)).toBe('second');
      });

      it('is separate from the account credentials', async () => {
        const who = email();
        await store.savePending(who, 'pending', 600);
        expect(await store.get(who)).toBeNull();
        expect(await store.acceptStep(who, STEP)).toBe(false);
        expect(await store.takePending(who)).toBe('pending');
      });

      it('forgets the secret after ttlSeconds', async () => {
        const gone = uid();
        const kept = uid();
        await store.savePending(gone, 'short', 1);
        await store.savePending(kept, 'long', 60);
        await sleep(1_200);
        expect(await store.takePending(gone)).toBeNull();
        expect(await store.takePending(kept)).toBe('long');
      });

      it('of 20 concurrent takes, exactly one gets the secret', async () => {
        const id = uid();
        await store.savePending(id, 'sealed-race', 600);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.takePending(id)));
        expect(results.filter((r) => r !== null)).toEqual(['sealed-race']);
      });

      it.each([0, -5, 1.5, Number.NaN])('throws a RangeError for ttlSeconds %s and stores nothing', async (ttl) => {
        const id = uid();
        await expect(store.savePending(id, 'x', ttl)).rejects.toThrow(RangeError);
        expect(await store.takePending(id)).toBeNull();
      });
    });
  });
}
