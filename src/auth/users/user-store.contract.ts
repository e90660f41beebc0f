import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserStore } from './user-store.js';
import type { User } from './user.types.js';

/** What a contract run needs: a fresh store and, optionally, a way to remove everything it wrote. */
export interface UserStoreFixture {
  store: UserStore;
  cleanup?: () => Promise<void>;
}

const uid = () => randomUUID().replaceAll('-', '');
const email = () => `user-${uid()}@example.test`;
/** A stand-in for an argon2id PHC string. */
const hash = () => `$argon2id$v=19$m=19456,t=2,p=1$${uid()}$${uid()}`;

/**
 * The behaviour every {@link UserStore} must show. Run it from a spec with a factory that returns a
 * fresh store (and its cleanup) for each test. Emails are normalised by the caller, so the store
 * compares them exactly; `createdAt` is epoch ms and must come back to the millisecond.
 */
export function userStoreContract(name: string, make: () => Promise<UserStoreFixture>): void {
  describe(`UserStore contract: ${name}`, () => {
    let store: UserStore;
    let fixture: UserStoreFixture | undefined;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('answers null for an unknown email', async () => {
      expect(await store.findByEmail(email())).toBeNull();
    });

    it('returns what was created, with a password hash', async () => {
      const user: User = { email: email(), passwordHash: hash(), createdAt: 1_700_000_000_123 };
      expect(await store.create(user)).toBe(true);
      expect(await store.findByEmail(user.email)).toStrictEqual(user);
    });

    it('returns what was created, without a password hash (no passwordHash key at all)', async () => {
      const user: User = { email: email(), createdAt: 1_700_000_000_456 };
      expect(await store.create(user)).toBe(true);
      const found = await store.findByEmail(user.email);
      expect(found).toStrictEqual(user);
      expect(found).not.toHaveProperty('passwordHash');
    });

    it('refuses a taken email and leaves the first account untouched', async () => {
      const first: User = { email: email(), passwordHash: hash(), createdAt: 1_700_000_000_000 };
      expect(await store.create(first)).toBe(true);
      expect(await store.create({ email: first.email, passwordHash: hash(), createdAt: Date.now() })).toBe(false);
      expect(await store.create({ email: first.email, createdAt: Date.now() })).toBe(false);
      expect(await store.findByEmail(first.email)).toStrictEqual(first);
    });

    it('does not add a password to a code-only account through a refused create', async () => {
      const first: User = { email: email(), createdAt: 1_700_000_000_000 };
      expect(await store.create(first)).toBe(true);
      expect(await store.create({ ...first, passwordHash: hash() })).toBe(false);
      expect(await store.findByEmail(first.email)).toStrictEqual(first);
    });

    it('of 20 concurrent creates of one email, exactly one succeeds and its fields are kept whole', async () => {
      const who = email();
      const attempts: User[] = Array.from({ length: 20 }, (_, i) => ({
        email: who,
        passwordHash: hash(),
        createdAt: 1_700_000_000_000 + i,
      }));
      const results = await Promise.all(attempts.map((u) => store.create(u)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = attempts[results.indexOf(true)];
      // The hash and the creation time are the same attempt's: no mix of two writers.
      expect(await store.findByEmail(who)).toStrictEqual(winner);
    });

    it('replaces the password hash of an account, and never creates one', async () => {
      const a = { email: email(), passwordHash: hash(), createdAt: Date.now() };
      expect(await store.create(a)).toBe(true);
      const next = hash();
      expect(await store.updatePassword(a.email, next)).toBe(true);
      expect(await store.findByEmail(a.email)).toEqual({ ...a, passwordHash: next });
      const nobody = email();
      expect(await store.updatePassword(nobody, hash())).toBe(false);
      expect(await store.findByEmail(nobody)).toBeNull();
    });

    it('gives a password to a code-only account', async () => {
      const a = { email: email(), createdAt: Date.now() };
      expect(await store.create(a)).toBe(true);
      const h = hash();
      expect(await store.updatePassword(a.email, h)).toBe(true);
      expect((await store.findByEmail(a.email))?.passwordHash).toBe(h);
    });

    it('keeps emails apart, including emails that look alike', async () => {
      const a = `a+${uid()}@example.test`;
      const users: User[] = [
        { email: a, passwordHash: 'hash-a', createdAt: 1 },
        { email: `${a}.`, passwordHash: 'hash-b', createdAt: 2 },
        { email: a.replace('a+', 'a-'), createdAt: 3 },
      ];
      for (const u of users) expect(await store.create(u)).toBe(true);
      for (const u of users) expect(await store.findByEmail(u.email)).toStrictEqual(u);
      expect(await store.findByEmail(a.toUpperCase())).toBeNull();
    });

    it('is not changed through the objects passed in or returned', async () => {
      const user: User = { email: email(), passwordHash: 'original', createdAt: 1_700_000_000_000 };
      await store.create(user);
      const kept = { ...user };
      user.passwordHash = 'changed-after-create';
      const found = await store.findByEmail(kept.email);
      found!.passwordHash = 'changed-after-find';
      expect(await store.findByEmail(kept.email)).toStrictEqual(kept);
    });
  });
}
