import { describe, expect, it } from 'vitest';
import { SessionFields } from './session-fields.js';
import { isInUse, isSessionRecord } from './session-record.js';

const now = Date.now();

describe('isSessionRecord', () => {
  it('accepts the records the server writes, and a host app’s extra keys', () => {
    expect(isSessionRecord({ createdAt: now })).toBe(true);
    expect(isSessionRecord({ createdAt: now, seenAt: now })).toBe(true);
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
    ['a negative createdAt', { createdAt: -1 }],
    ['a seenAt that is a string', { createdAt: now, seenAt: '1' }],
  ])('refuses %s', (_label, value) => {
    expect(isSessionRecord(value)).toBe(false);
  });

  it('applies the checks features registered, to their fields only', () => {
    const fields = new SessionFields();
    fields.register('cart', (v) => Array.isArray(v));
    expect(isSessionRecord({ createdAt: now, cart: [1] }, fields)).toBe(true);
    expect(isSessionRecord({ createdAt: now }, fields)).toBe(true);
    expect(isSessionRecord({ createdAt: now, cart: 'x' }, fields)).toBe(false);
    expect(isSessionRecord({ createdAt: now, other: 'x' }, fields)).toBe(true);
  });

  it('refuses a second, different check for one field', () => {
    const fields = new SessionFields();
    const check = (v: unknown) => v === 1;
    fields.register('a', check);
    fields.register('a', check);
    expect(() => fields.register('a', () => true)).toThrow(/registered twice/);
  });
});

describe('isInUse', () => {
  it('is true for a session that got data, false for a blank one, none, or a non-numeric createdAt', () => {
    expect(isInUse({ createdAt: now })).toBe(true);
    expect(isInUse({})).toBe(false);
    expect(isInUse(undefined)).toBe(false);
    expect(isInUse(null)).toBe(false);
    expect(isInUse({ createdAt: String(now) })).toBe(false);
  });
});
