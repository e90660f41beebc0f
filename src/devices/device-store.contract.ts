import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceKind, DeviceRecord, DeviceStore } from './device-store.js';

/** What a contract run needs: a fresh store and, optionally, a way to remove everything it wrote. */
export interface DeviceStoreFixture {
  store: DeviceStore;
  cleanup?: () => Promise<void>;
}

const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const email = () => `user-${randomUUID().replaceAll('-', '')}@example.test`;
/** A hash as `DevicesService` makes them: the SHA-256 of a random 256-bit token, base64url. */
const hash = () => createHash('sha256').update(randomBytes(32)).digest('base64url');

function device(owner: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  const now = Date.now();
  return {
    id: randomBytes(12).toString('base64url'),
    email: owner,
    kind: 'remembered',
    createdAt: now - 1_234,
    expiresAt: now + 30 * DAY_MS,
    lastUsedAt: now - 567,
    device: 'Firefox on Linux',
    ip: '203.0.113.0/24',
    ...overrides,
  };
}

/** A list's entries in a stable order: the port promises none. */
const sorted = (entries: { hash: string; record: DeviceRecord }[]) =>
  [...entries].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));

/**
 * The behaviour every {@link DeviceStore} must show. Run it from a spec with a factory that returns
 * a fresh store (and its cleanup) for each test. Expiry uses real time (devices that end 1 second
 * after they are saved), as a store may keep it on its own clock.
 */
export function deviceStoreContract(name: string, make: () => Promise<DeviceStoreFixture>): void {
  describe(`DeviceStore contract: ${name}`, () => {
    let store: DeviceStore;
    let fixture: DeviceStoreFixture | undefined;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    describe('save / get', () => {
      it('answers null, and an empty list, when there is nothing', async () => {
        expect(await store.get(hash())).toBeNull();
        expect(await store.take(hash())).toBeNull();
        expect(await store.list(email())).toEqual([]);
      });

      it('returns what was saved, with every field, as often as asked', async () => {
        const h = hash();
        const d = device(email(), { createdAt: 1_700_000_000_123, kind: 'known', device: 'Safari on iOS' });
        await store.save(h, d);
        expect(await store.get(h)).toEqual(d);
        expect(await store.get(h)).toEqual(d);
      });

      it('keeps a device without lastUsedAt (stored before it was kept) without one', async () => {
        const h = hash();
        const { lastUsedAt: _, ...older } = device(email());
        await store.save(h, older);
        expect(await store.get(h)).toEqual(older);
        expect(await store.list(older.email)).toEqual([{ hash: h, record: older }]);
      });

      it('keeps devices apart by hash', async () => {
        const who = email();
        const a = hash();
        const b = hash();
        await store.save(a, device(who, { device: 'first' }));
        await store.save(b, device(who, { device: 'second' }));
        expect((await store.get(a))?.device).toBe('first');
        expect((await store.get(b))?.device).toBe('second');
        expect(await store.get(hash())).toBeNull();
      });

      it('save replaces what the hash held', async () => {
        const who = email();
        const h = hash();
        await store.save(h, device(who, { ip: '198.51.100.0/24' }));
        const renewed = device(who, { ip: '192.0.2.0/24', expiresAt: Date.now() + 60 * DAY_MS });
        await store.save(h, renewed);
        expect(await store.get(h)).toEqual(renewed);
        expect(await store.list(who)).toEqual([{ hash: h, record: renewed }]);
      });

      it('is not changed through the objects passed in or returned', async () => {
        const h = hash();
        const d = device(email());
        const saved = { ...d };
        await store.save(h, saved);
        saved.email = email();
        saved.expiresAt = 1;
        const got = await store.get(h);
        got!.device = 'changed';
        expect(await store.get(h)).toEqual(d);
      });
    });

    describe('take (rotation: a token works once)', () => {
      it('returns the device once, and then it is gone from get and list', async () => {
        const who = email();
        const h = hash();
        const d = device(who);
        await store.save(h, d);
        expect(await store.take(h)).toEqual(d);
        expect(await store.take(h)).toBeNull();
        expect(await store.get(h)).toBeNull();
        expect(await store.list(who)).toEqual([]);
      });

      it('takes only that hash: the account’s other devices stay', async () => {
        const who = email();
        const taken = hash();
        const kept = hash();
        const d = device(who, { kind: 'known' });
        await store.save(taken, device(who));
        await store.save(kept, d);
        await store.take(taken);
        expect(await store.list(who)).toEqual([{ hash: kept, record: d }]);
      });

      it('a device saved again after it was taken (a new token, the same id) is live under the new hash only', async () => {
        const who = email();
        const old = hash();
        const d = device(who);
        await store.save(old, d);
        const previous = (await store.take(old))!;
        const next = hash();
        const rotated = { ...previous, expiresAt: Date.now() + 31 * DAY_MS };
        await store.save(next, rotated);
        expect(await store.get(old)).toBeNull();
        expect(await store.take(old)).toBeNull();
        expect(await store.get(next)).toEqual(rotated);
        expect(await store.list(who)).toEqual([{ hash: next, record: rotated }]);
      });

      it('of 20 concurrent takes, exactly one gets the device', async () => {
        const h = hash();
        const d = device(email());
        await store.save(h, d);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.take(h)));
        expect(results.filter((r) => r !== null)).toEqual([d]);
      });
    });

    describe('expiry', () => {
      it('a device is not got, taken or listed once its expiresAt has passed; a longer-lived one still is', async () => {
        const who = email();
        const short = hash();
        const long = hash();
        const gone = hash();
        const kept = device(who, { kind: 'known' });
        await store.save(short, device(who, { expiresAt: Date.now() + 1_000 }));
        await store.save(gone, device(who, { expiresAt: Date.now() + 1_000 }));
        await store.save(long, kept);
        expect(await store.get(short)).not.toBeNull();
        await sleep(1_200);
        expect(await store.get(short)).toBeNull();
        expect(await store.take(short)).toBeNull();
        expect(await store.list(who)).toEqual([{ hash: long, record: kept }]);
        expect(await store.take(gone)).toBeNull();
        expect(await store.get(long)).toEqual(kept);
      });

      it('renewing a device (saved again with a later expiresAt) keeps it past the first one', async () => {
        const who = email();
        const h = hash();
        await store.save(h, device(who, { expiresAt: Date.now() + 1_000 }));
        const renewed = device(who, { expiresAt: Date.now() + 30 * DAY_MS });
        await store.save(h, renewed);
        await sleep(1_200);
        expect(await store.get(h)).toEqual(renewed);
        expect(await store.list(who)).toEqual([{ hash: h, record: renewed }]);
      });
    });

    describe('list', () => {
      it('lists every live device of the account with its hash, of both kinds, and only its own (emails that look alike included)', async () => {
        const who = `a+${randomUUID()}@example.test`;
        const lookalike = `${who}.`;
        const mine: { hash: string; record: DeviceRecord }[] = [];
        for (const kind of ['remembered', 'known', 'known'] as DeviceKind[]) {
          const entry = { hash: hash(), record: device(who, { kind }) };
          await store.save(entry.hash, entry.record);
          mine.push(entry);
        }
        const theirs = { hash: hash(), record: device(lookalike) };
        await store.save(theirs.hash, theirs.record);
        await store.save(hash(), device(who.toUpperCase()));
        expect(sorted(await store.list(who))).toEqual(sorted(mine));
        expect(await store.list(lookalike)).toEqual([theirs]);
      });
    });

    describe('remove (forgetting)', () => {
      it('deletes the given devices of the account, and only those', async () => {
        const who = email();
        const other = email();
        const [a, b, c] = [hash(), hash(), hash()];
        const kept = device(who);
        const theirs = device(other);
        const theirsHash = hash();
        await store.save(a, device(who));
        await store.save(b, device(who, { kind: 'known' }));
        await store.save(c, kept);
        await store.save(theirsHash, theirs);
        await store.remove(who, [a, b]);
        expect(await store.get(a)).toBeNull();
        expect(await store.take(b)).toBeNull();
        expect(await store.list(who)).toEqual([{ hash: c, record: kept }]);
        expect(await store.list(other)).toEqual([{ hash: theirsHash, record: theirs }]);
      });

      it('leaves another account’s device alone, even given its hash', async () => {
        const owner = email();
        const h = hash();
        const d = device(owner);
        await store.save(h, d);
        await store.remove(email(), [h]);
        expect(await store.get(h)).toEqual(d);
        expect(await store.list(owner)).toEqual([{ hash: h, record: d }]);
      });

      it('accepts an empty list, unknown hashes and hashes already gone', async () => {
        const who = email();
        const h = hash();
        const d = device(who);
        await store.save(h, d);
        const taken = hash();
        await store.save(taken, device(who));
        await store.take(taken);
        await store.remove(who, []);
        await store.remove(who, [hash(), taken]);
        await store.remove(email(), []);
        expect(await store.list(who)).toEqual([{ hash: h, record: d }]);
      });

      it('forgets every device of an account with many', async () => {
        const who = email();
        const hashes = Array.from({ length: 50 }, () => hash());
        for (const h of hashes) await store.save(h, device(who, { kind: 'known' }));
        const listed = (await store.list(who)).map((d) => d.hash);
        expect(listed.sort()).toEqual([...hashes].sort());
        await store.remove(who, listed);
        expect(await store.list(who)).toEqual([]);
        for (const h of hashes.slice(0, 5)) expect(await store.get(h)).toBeNull();
      });
    });
  });
}
