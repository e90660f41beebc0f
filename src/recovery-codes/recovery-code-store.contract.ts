import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecoveryCodeStore } from './recovery-code-store.js';

/** What a contract run needs: a fresh store and, optionally, a way to remove everything it wrote. */
export interface RecoveryCodeStoreFixture {
  store: RecoveryCodeStore;
  cleanup?: () => Promise<void>;
}

const uid = () => randomUUID().replaceAll('-', '');
const email = () => `user-${uid()}@example.test`;
/** Ten distinct stand-ins for code hashes. */
const hashes = (n = 10) => Array.from({ length: n }, () => `h-${uid()}`);

/**
 * The behaviour every {@link RecoveryCodeStore} must show. Run it from a spec with a factory that
 * returns a fresh store (and its cleanup) for each test.
 */
export function recoveryCodeStoreContract(name: string, make: () => Promise<RecoveryCodeStoreFixture>): void {
  describe(`RecoveryCodeStore contract: ${name}`, () => {
    let store: RecoveryCodeStore;
    let fixture: RecoveryCodeStoreFixture | undefined;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('has no codes for an account without a set', async () => {
      const who = email();
      expect(await store.count(who)).toBe(0);
      expect(await store.consume(who, 'h-anything')).toBeNull();
      expect(await store.remove(who)).toBe(false);
    });

    it('consume takes a code once and returns how many are left', async () => {
      const who = email();
      const set = hashes();
      await store.replace(who, set);
      expect(await store.count(who)).toBe(10);
      expect(await store.consume(who, set[3])).toBe(9);
      expect(await store.consume(who, set[3])).toBeNull();
      expect(await store.consume(who, set[0])).toBe(8);
      expect(await store.count(who)).toBe(8);
    });

    it('refuses a hash that is not in the set, spending nothing', async () => {
      const who = email();
      await store.replace(who, hashes());
      expect(await store.consume(who, 'h-wrong')).toBeNull();
      expect(await store.consume(who, '')).toBeNull();
      expect(await store.count(who)).toBe(10);
    });

    it('counts down to 0 and then refuses everything', async () => {
      const who = email();
      const set = hashes(3);
      await store.replace(who, set);
      expect(await store.consume(who, set[0])).toBe(2);
      expect(await store.consume(who, set[1])).toBe(1);
      expect(await store.consume(who, set[2])).toBe(0);
      expect(await store.count(who)).toBe(0);
      expect(await store.consume(who, set[2])).toBeNull();
    });

    it('replace voids every code of the old set', async () => {
      const who = email();
      const old = hashes();
      await store.replace(who, old);
      await store.consume(who, old[0]);
      const fresh = hashes();
      await store.replace(who, fresh);
      expect(await store.count(who)).toBe(10);
      for (const h of old) expect(await store.consume(who, h)).toBeNull();
      expect(await store.consume(who, fresh[9])).toBe(9);
    });

    it('replace with an empty list leaves no codes', async () => {
      const who = email();
      const set = hashes();
      await store.replace(who, set);
      await store.replace(who, []);
      expect(await store.count(who)).toBe(0);
      expect(await store.consume(who, set[0])).toBeNull();
    });

    it('counts a hash given twice once', async () => {
      const who = email();
      const [a, b] = hashes(2);
      await store.replace(who, [a, b, a]);
      expect(await store.count(who)).toBe(2);
      expect(await store.consume(who, a)).toBe(1);
      expect(await store.consume(who, a)).toBeNull();
    });

    it('keeps accounts apart, even with the same hash', async () => {
      const a = email();
      const b = email();
      const shared = 'h-shared';
      await store.replace(a, [shared, ...hashes(2)]);
      await store.replace(b, [shared]);
      expect(await store.consume(a, shared)).toBe(2);
      expect(await store.consume(b, shared)).toBe(0);
      await store.replace(a, []);
      expect(await store.count(b)).toBe(0);
    });

    it('does not keep a reference to the array it was given', async () => {
      const who = email();
      const set = hashes(2);
      await store.replace(who, set);
      set.push('h-added-later');
      expect(await store.count(who)).toBe(2);
      expect(await store.consume(who, 'h-added-later')).toBeNull();
    });

    it('remove deletes the set and says whether there was one', async () => {
      const who = email();
      const other = email();
      const set = hashes();
      await store.replace(who, set);
      await store.replace(other, hashes());
      expect(await store.remove(who)).toBe(true);
      expect(await store.count(who)).toBe(0);
      expect(await store.consume(who, set[0])).toBeNull();
      expect(await store.remove(who)).toBe(false);
      expect(await store.count(other)).toBe(10);
    });

    it('of 20 concurrent consumes of one code, exactly one succeeds', async () => {
      const who = email();
      const set = hashes();
      await store.replace(who, set);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.consume(who, set[5])));
      expect(results.filter((r) => r !== null)).toEqual([9]);
      expect(await store.count(who)).toBe(9);
    });

    it('concurrent consumes of different codes each see their own count', async () => {
      const who = email();
      const set = hashes();
      await store.replace(who, set);
      const results = await Promise.all(set.map((h) => store.consume(who, h)));
      // Removal and count are one step: the answers are 9, 8, …, 0 in some order, none repeated.
      expect([...results].sort((x, y) => x! - y!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await store.count(who)).toBe(0);
    });
  });
}
