import { describe, expect, it } from 'vitest';
import { isSessionRecord } from './session-record.js';

const now = Date.now();
const user = { email: 'a@example.test', aal: 2, amr: ['pwd', 'otp'], authTime: now };
const pending = { id: 'c1', purpose: 'sign-in', identifier: 'a@example.test', amr: ['pwd'], sentAt: now };

describe('isSessionRecord', () => {
  it('accepts the records the server writes, and a host app’s extra keys', () => {
    expect(isSessionRecord({ createdAt: now })).toBe(true);
    expect(isSessionRecord({ createdAt: now, seenAt: now, user })).toBe(true);
    expect(isSessionRecord({ createdAt: now, seenAt: now, pending, returnTo: '/reports' })).toBe(true);
    expect(isSessionRecord({ createdAt: now, cart: [1, 2, 3] })).toBe(true);
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'x'],
    ['an array', [{ createdAt: now }]],
    ['an object without createdAt', { cookie: 'legacy' }],
    ['a createdAt that is a string', { createdAt: 'yesterday' }],
    ['a createdAt that is not finite', { createdAt: Number.NaN }],
    ['a seenAt that is a string', { createdAt: now, seenAt: '1' }],
    ['a returnTo that is not a string', { createdAt: now, returnTo: 3 }],
    ['a user that is a string', { createdAt: now, user: 'x' }],
    ['a user whose email is a number', { createdAt: now, user: { ...user, email: 1 } }],
    ['a user with an aal of 3', { createdAt: now, user: { ...user, aal: 3 } }],
    ['a user whose amr is a string', { createdAt: now, user: { ...user, amr: 'pwd' } }],
    ['a user without authTime', { createdAt: now, user: { ...user, authTime: undefined } }],
    ['a pending that is a string', { createdAt: now, pending: 'c1' }],
    ['a pending without id', { createdAt: now, pending: { ...pending, id: undefined } }],
    ['a pending whose amr holds a number', { createdAt: now, pending: { ...pending, amr: [1] } }],
  ])('refuses %s', (_label, value) => {
    expect(isSessionRecord(value)).toBe(false);
  });
});
