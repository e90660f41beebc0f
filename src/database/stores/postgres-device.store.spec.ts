import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/postgres.js';
import { deviceStoreContract } from '../../devices/device-store.contract.js';
import type { DeviceRecord } from '../../devices/device-store.js';
import { PostgresDeviceStore } from './postgres-device.store.js';

// Every test uses fresh random emails and hashes, and the run's database is dropped in teardown.
deviceStoreContract('PostgresDeviceStore', async () => {
  const db = openTestDatabase();
  return { store: new PostgresDeviceStore(db), cleanup: () => db.destroy() };
});

describe('PostgresDeviceStore rows', () => {
  const db = openTestDatabase();
  const store = new PostgresDeviceStore(db);
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const hash = () => createHash('sha256').update(randomBytes(32)).digest('base64url');
  const device = (expiresInMs: number): DeviceRecord => ({
    id: randomBytes(12).toString('base64url'),
    email: `user-${randomUUID()}@example.test`,
    kind: 'known',
    createdAt: Date.now(),
    expiresAt: Date.now() + expiresInMs,
    device: 'Firefox on Linux',
    ip: '203.0.113.0/24',
  });
  const rowExists = async (h: string) =>
    (await db.selectFrom('devices').select('hash').where('hash', '=', h).executeTakeFirst()) !== undefined;

  afterAll(() => db.destroy());

  it('take of an expired device answers null and deletes the row', async () => {
    const h = hash();
    await store.save(h, device(1_000));
    await sleep(1_100);
    // (Not asserted that the row is still there: another suite's save on this database may sweep it.)
    expect(await store.get(h)).toBeNull();
    expect(await store.take(h)).toBeNull();
    expect(await rowExists(h)).toBe(false);
  });

  it('save sweeps expired devices that nobody took, and only those', async () => {
    const expired = hash();
    const live = hash();
    await store.save(expired, device(1_000));
    await store.save(live, device(600_000));
    await sleep(1_100);
    await store.save(hash(), device(600_000));
    expect(await rowExists(expired)).toBe(false);
    expect(await rowExists(live)).toBe(true);
  });

  it('save over an expired hash of its own replaces it', async () => {
    const h = hash();
    await store.save(h, device(1_000));
    await sleep(1_100);
    const renewed = device(600_000);
    await store.save(h, renewed);
    expect(await store.get(h)).toEqual(renewed);
  });

  it('keeps the hash it is given as the key, and no other column holds it', async () => {
    const h = hash();
    const d = device(600_000);
    await store.save(h, d);
    const row = await db.selectFrom('devices').selectAll().where('hash', '=', h).executeTakeFirstOrThrow();
    const { hash: key, ...rest } = row;
    expect(key).toBe(h);
    expect(JSON.stringify(rest)).not.toContain(h);
  });
});
