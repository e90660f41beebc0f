import { describe, expect, it } from 'vitest';
import { SessionFields, isSessionRecord } from '../session/index.js';
import { assurance, registerAuthSessionFields } from './auth-session.js';

const now = Date.now();
const user = {
  email: 'a@example.test',
  factors: ['pwd', 'email_otp'],
  aal: 2,
  amr: ['pwd', 'otp', 'mfa'],
  authTime: now,
};
const pending = {
  id: 'c1',
  purpose: 'sign-in',
  identifier: 'a@example.test',
  factors: ['pwd'],
  step: 'email_otp',
  sentAt: now,
};

describe('auth’s session fields', () => {
  const fields = new SessionFields();
  registerAuthSessionFields(fields);
  const ok = (record: object) => isSessionRecord({ createdAt: now, ...record }, fields);

  it('accepts a signed-in user, a pending step and a page to return to', () => {
    expect(ok({ user })).toBe(true);
    expect(ok({ pending })).toBe(true);
    expect(
      ok({ pending: { ...pending, step: 'second_factor', options: ['totp', 'recovery_code'], sentAt: undefined } }),
    ).toBe(true);
    expect(ok({ user, pending: { ...pending, purpose: 'step-up', factors: [] }, returnTo: '/reports' })).toBe(true);
  });

  it.each([
    ['a returnTo that is not a string', { returnTo: 3 }],
    ['a user that is a string', { user: 'x' }],
    ['a user whose email is a number', { user: { ...user, email: 1 } }],
    ['a user with an aal of 3', { user: { ...user, aal: 3 } }],
    ['a user whose amr is a string', { user: { ...user, amr: 'pwd' } }],
    ['a user without factors (an older record)', { user: { ...user, factors: undefined } }],
    ['a user with a factor that is not a name', { user: { ...user, factors: ['pwd', 'a b'] } }],
    ['a user without authTime', { user: { ...user, authTime: undefined } }],
    ['a pending that is a string', { pending: 'c1' }],
    ['a pending without id', { pending: { ...pending, id: undefined } }],
    ['a pending of an unknown purpose', { pending: { ...pending, purpose: 'admin' } }],
    ['a pending of an unknown step', { pending: { ...pending, step: 'done' } }],
    ['a pending whose factors hold a number', { pending: { ...pending, factors: [1] } }],
    [
      'a pending with amr instead of factors (an older record)',
      { pending: { ...pending, factors: undefined, amr: ['pwd'] } },
    ],
  ])('refuses %s', (_label, record) => {
    expect(ok(record)).toBe(false);
  });
});

describe('assurance (NIST SP 800-63B levels, RFC 8176 methods)', () => {
  const all = ['email_otp', 'totp', 'recovery_code'];

  it('is AAL1 with one factor, AAL2 with two distinct ones', () => {
    expect(assurance(['email_otp'], all)).toEqual({ aal: 1, amr: ['otp'] });
    expect(assurance(['pwd'], all)).toEqual({ aal: 1, amr: ['pwd'] });
    expect(assurance(['pwd', 'email_otp'], all)).toEqual({ aal: 2, amr: ['pwd', 'otp', 'mfa'] });
    expect(assurance(['email_otp', 'totp'], all)).toEqual({ aal: 2, amr: ['otp', 'mfa'] });
    expect(assurance(['pwd', 'recovery_code'], all)).toEqual({ aal: 2, amr: ['pwd', 'otp', 'mfa'] });
  });

  it('counts a factor twice as one', () => {
    expect(assurance(['email_otp', 'email_otp'], all)).toEqual({ aal: 1, amr: ['otp'] });
  });

  it('leaves out the second factors a deployment does not accept for AAL2 (strict NIST: no email)', () => {
    const strict = ['totp', 'recovery_code'];
    expect(assurance(['pwd', 'email_otp'], strict).aal).toBe(1);
    expect(assurance(['pwd', 'totp'], strict).aal).toBe(2);
    expect(assurance(['email_otp', 'totp'], strict).aal).toBe(2);
    // Two factors were still passed: `mfa` says so, whatever the level.
    expect(assurance(['pwd', 'email_otp'], strict).amr).toContain('mfa');
  });

  it('uses the methods a factor declares, and a factor that reaches AAL2 alone', () => {
    expect(assurance(['passkey'], all, { passkey: ['hwk', 'user'] }, ['passkey'])).toEqual({
      aal: 2,
      amr: ['hwk', 'user', 'mfa'],
    });
  });
});
