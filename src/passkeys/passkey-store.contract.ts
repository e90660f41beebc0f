import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PasskeyStore } from './passkey-store.js';
import type { PasskeyCredential } from './passkey.types.js';

/** What a contract run needs: a fresh store and, optionally, a way to remove everything it wrote. */
export interface PasskeyStoreFixture {
  store: PasskeyStore;
  cleanup?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const email = () => `user-${randomUUID().replaceAll('-', '')}@example.test`;
const credentialId = () => randomBytes(32).toString('base64url');

function passkey(owner: string, overrides: Partial<PasskeyCredential> = {}): PasskeyCredential {
  return {
    id: credentialId(),
    email: owner,
    publicKey: randomBytes(77).toString('base64url'),
    counter: 0,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backedUp: true,
    name: 'Chrome on Linux',
    createdAt: 1_700_000_000_123,
    ...overrides,
  };
}

/**
 * The behaviour every {@link PasskeyStore} must show. Run it from a spec with a factory that returns
 * a fresh store (and its cleanup) for each test. Challenge expiry uses real time (a 1-second TTL).
 */
export function passkeyStoreContract(name: string, make: () => Promise<PasskeyStoreFixture>): void {
  describe(`PasskeyStore contract: ${name}`, () => {
    let store: PasskeyStore;
    let fixture: PasskeyStoreFixture | undefined;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    describe('add / get / list', () => {
      it('answers null and an empty list when there is nothing', async () => {
        expect(await store.get(credentialId())).toBeNull();
        expect(await store.list(email())).toEqual([]);
      });

      it('returns what was added, with every field', async () => {
        const c = passkey(email(), { counter: 7, deviceType: 'singleDevice', backedUp: false, transports: ['usb'] });
        expect(await store.add(c)).toBe(true);
        expect(await store.get(c.id)).toEqual(c);
        const used = passkey(email(), { lastUsedAt: 1_700_000_999_000, transports: [] });
        await store.add(used);
        expect(await store.get(used.id)).toEqual(used);
      });

      it('refuses a second credential with the same id, even for another account, and keeps the first', async () => {
        const a = passkey(email(), { name: 'first' });
        await store.add(a);
        const b = email();
        expect(await store.add({ ...a, email: b, name: 'second' })).toBe(false);
        expect((await store.get(a.id))?.name).toBe('first');
        expect(await store.list(b)).toEqual([]);
        expect((await store.list(a.email)).map((c) => c.id)).toEqual([a.id]);
      });

      it('lists an account’s passkeys oldest first, and only its own (emails that look alike included)', async () => {
        const who = `a+${randomUUID()}@example.test`;
        const lookalike = `${who}.`;
        const late = passkey(who, { createdAt: 3_000 });
        const early = passkey(who, { createdAt: 1_000 });
        const middle = passkey(who, { createdAt: 2_000 });
        for (const c of [late, early, middle, passkey(lookalike)]) await store.add(c);
        expect((await store.list(who)).map((c) => c.id)).toEqual([early.id, middle.id, late.id]);
        expect(await store.list(lookalike)).toHaveLength(1);
      });

      it('adds once under concurrency', async () => {
        const c = passkey(email());
        const results = await Promise.all(Array.from({ length: 8 }, () => store.add(c)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.list(c.email)).toHaveLength(1);
      });
    });

    describe('recordUse', () => {
      it('stores a counter that moved forward, the backup state and the time', async () => {
        const c = passkey(email(), { counter: 5, backedUp: false });
        await store.add(c);
        expect(await store.recordUse(c.id, { counter: 6, backedUp: true, at: 1_700_000_500_000 })).toBe(true);
        expect(await store.get(c.id)).toMatchObject({ counter: 6, backedUp: true, lastUsedAt: 1_700_000_500_000 });
      });

      it('refuses a counter that stayed or went backwards, and stores nothing', async () => {
        const c = passkey(email(), { counter: 5 });
        await store.add(c);
        expect(await store.recordUse(c.id, { counter: 5, backedUp: false, at: 1 })).toBe(false);
        expect(await store.recordUse(c.id, { counter: 4, backedUp: false, at: 2 })).toBe(false);
        const stored = await store.get(c.id);
        expect(stored?.counter).toBe(5);
        expect(stored?.lastUsedAt).toBeUndefined();
        expect(stored?.backedUp).toBe(true);
      });

      it('accepts 0 after 0 (an authenticator that keeps no counter), but not 0 after a count', async () => {
        const c = passkey(email(), { counter: 0 });
        await store.add(c);
        expect(await store.recordUse(c.id, { counter: 0, backedUp: true, at: 10 })).toBe(true);
        expect(await store.recordUse(c.id, { counter: 0, backedUp: true, at: 11 })).toBe(true);
        expect(await store.recordUse(c.id, { counter: 3, backedUp: true, at: 12 })).toBe(true);
        expect(await store.recordUse(c.id, { counter: 0, backedUp: true, at: 13 })).toBe(false);
      });

      it('is false for an unknown passkey', async () => {
        expect(await store.recordUse(credentialId(), { counter: 1, backedUp: false, at: 1 })).toBe(false);
      });

      it('lets one of many concurrent uses with the same counter through', async () => {
        const c = passkey(email(), { counter: 1 });
        await store.add(c);
        const results = await Promise.all(
          Array.from({ length: 8 }, () => store.recordUse(c.id, { counter: 2, backedUp: true, at: 5 })),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('rename / remove', () => {
      it('renames the owner’s passkey, and only the owner’s', async () => {
        const c = passkey(email());
        await store.add(c);
        expect(await store.rename(email(), c.id, 'stolen')).toBeNull();
        expect(await store.rename(c.email, credentialId(), 'nothing')).toBeNull();
        expect(await store.rename(c.email, c.id, 'Laptop')).toEqual({ ...c, name: 'Laptop' });
        expect((await store.get(c.id))?.name).toBe('Laptop');
      });

      it('removes the owner’s passkey, and only the owner’s, once', async () => {
        const c = passkey(email());
        const other = passkey(c.email);
        await store.add(c);
        await store.add(other);
        expect(await store.remove(email(), c.id)).toBe(false);
        expect(await store.get(c.id)).not.toBeNull();
        expect(await store.remove(c.email, c.id)).toBe(true);
        expect(await store.remove(c.email, c.id)).toBe(false);
        expect(await store.get(c.id)).toBeNull();
        expect((await store.list(c.email)).map((x) => x.id)).toEqual([other.id]);
        expect(await store.recordUse(c.id, { counter: 9, backedUp: true, at: 1 })).toBe(false);
      });

      it('lets the id of a removed passkey be added again', async () => {
        const c = passkey(email());
        await store.add(c);
        await store.remove(c.email, c.id);
        expect(await store.add({ ...c, name: 'again' })).toBe(true);
        expect((await store.list(c.email)).map((x) => x.name)).toEqual(['again']);
      });
    });

    describe('challenges', () => {
      it('gives a challenge’s binding once', async () => {
        const ch = credentialId();
        await store.saveChallenge(ch, 'session-hash|authenticate', 300);
        expect(await store.takeChallenge(ch)).toBe('session-hash|authenticate');
        expect(await store.takeChallenge(ch)).toBeNull();
        expect(await store.takeChallenge(credentialId())).toBeNull();
      });

      it('gives it to one of many concurrent takers', async () => {
        const ch = credentialId();
        await store.saveChallenge(ch, 'b', 300);
        const results = await Promise.all(Array.from({ length: 8 }, () => store.takeChallenge(ch)));
        expect(results.filter((r) => r === 'b')).toHaveLength(1);
      });

      it('forgets a challenge after its TTL', async () => {
        const ch = credentialId();
        await store.saveChallenge(ch, 'b', 1);
        await sleep(1_100);
        expect(await store.takeChallenge(ch)).toBeNull();
      });

      it('refuses a TTL that is not a positive integer', async () => {
        for (const ttl of [0, -1, 1.5, Number.NaN]) {
          await expect(store.saveChallenge(credentialId(), 'b', ttl)).rejects.toThrow(RangeError);
        }
      });
    });
  });
}
