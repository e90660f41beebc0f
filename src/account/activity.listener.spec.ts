import { describe, expect, it, vi } from 'vitest';
import { MemoryUserStore } from '../auth/users/memory-user.store.js';
import { ActivityListener } from './activity.listener.js';
import { MemoryAccountStore } from './memory-account.store.js';

function setUp() {
  const users = new MemoryUserStore();
  const store = new MemoryAccountStore();
  const lookup = vi.spyOn(users, 'findByEmail');
  return { users, store, lookup, listener: new ActivityListener(store, users) };
}

describe('ActivityListener', () => {
  it('records an existing account’s event, looking the account up when the payload does not say', async () => {
    const { users, store, lookup, listener } = setUp();
    await users.create({ email: 'a@example.test', createdAt: 1 });
    await listener.add('auth.code_sent', { identifier: 'a@example.test' });
    expect(lookup).toHaveBeenCalledTimes(1);
    expect((await store.activity('a@example.test', 10)).map((e) => e.event)).toEqual(['auth.code_sent']);
  });

  it('skips the lookup when the emitter says the account exists', async () => {
    const { store, lookup, listener } = setUp();
    await listener.add('auth.signed_in', { email: 'b@example.test', account: true, device: 'Firefox on Linux' });
    expect(lookup).not.toHaveBeenCalled();
    expect(await store.activity('b@example.test', 10)).toMatchObject([
      { event: 'auth.signed_in', device: 'Firefox on Linux' },
    ]);
  });

  it('records nothing, and looks nothing up, when the emitter says there is no account', async () => {
    const { users, store, lookup, listener } = setUp();
    await users.create({ email: 'c@example.test', createdAt: 1 });
    await listener.add('auth.challenge_started', { identifier: 'c@example.test', account: false });
    expect(lookup).not.toHaveBeenCalled();
    expect(await store.activity('c@example.test', 10)).toEqual([]);
  });

  it('records nothing for an unknown address', async () => {
    const { store, listener } = setUp();
    await listener.add('auth.code_sent', { identifier: 'nobody@example.test' });
    expect(await store.activity('nobody@example.test', 10)).toEqual([]);
  });

  it('records nothing for a known device’s own lock, even of an existing account', async () => {
    const { users, store, listener } = setUp();
    await users.create({ email: 'd@example.test', createdAt: 1 });
    const add = vi.spyOn(store, 'addActivity');
    await listener.add('otp.locked', { subject: 'd@example.test#kd:ab12' });
    await listener.add('otp.locked', { subject: 'd@example.test#kd:ab12', account: true });
    expect(add).not.toHaveBeenCalled();
    expect(await store.activity('d@example.test', 10)).toEqual([]);
  });
});
