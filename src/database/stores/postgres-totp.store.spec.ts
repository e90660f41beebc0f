import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/postgres.js';
import { totpStoreContract } from '../../totp/totp-store.contract.js';
import { PostgresTotpStore } from './postgres-totp.store.js';

// Every test uses fresh random emails and ids, and the run's database is dropped in teardown.
totpStoreContract('PostgresTotpStore', async () => {
  const db = openTestDatabase();
  return { store: new PostgresTotpStore(db), cleanup: () => db.destroy() };
});

describe('PostgresTotpStore pending rows', () => {
  const db = openTestDatabase();
  const store = new PostgresTotpStore(db);
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const rowExists = async (id: string) =>
    (await db.selectFrom('totp_pending').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  afterAll(() => db.destroy());

  it('takePending of an expired secret answers null and deletes the row', async () => {
    const id = randomUUID();
    await store.savePending(id, 'sealed', 1);
    await sleep(1_100);
    expect(await rowExists(id)).toBe(true);
    expect(await store.takePending(id)).toBeNull();
    expect(await rowExists(id)).toBe(false);
  });

  it('savePending sweeps expired rows that nobody took, and only those', async () => {
    const abandoned = randomUUID();
    const live = randomUUID();
    await store.savePending(abandoned, 'sealed', 1);
    await store.savePending(live, 'sealed', 600);
    await sleep(1_100);
    await store.savePending(randomUUID(), 'sealed', 600);
    expect(await rowExists(abandoned)).toBe(false);
    expect(await rowExists(live)).toBe(true);
  });

  it('savePending over an expired id of its own replaces it', async () => {
    const id = randomUUID();
    await store.savePending(id, 'old', 1);
    await sleep(1_100);
    await store.savePending(id, 'new', 600);
    expect(await store.takePending(id)).toBe('new');
  });
});
