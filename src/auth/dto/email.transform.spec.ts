import { describe, expect, it } from 'vitest';
import { normalizeEmail, parseEmail, WHATWG_EMAIL } from './email.transform.js';

const valid = (raw: string) => WHATWG_EMAIL.test(normalizeEmail(raw));

describe('email addresses', () => {
  it.each([
    'a@example.test',
    'a@localhost',
    "o'brien+tag@example.test",
    'x.y_z-1!#$%&*/=?^`{|}~@example.test',
    '.dots.anywhere.@example.test',
    'a@b\u00fccher.example',
    '  Mixed.Case@Example.TEST ',
    `${'a'.repeat(64)}@example.test`,
    `a@${'b'.repeat(63)}.test`,
  ])('accepts %j (a WHATWG valid email address)', (raw) => {
    expect(valid(raw)).toBe(true);
  });

  it.each([
    '"x@y z"@example.test',
    '"a"@example.test',
    'a b@example.test',
    'jos\u00e9@example.test',
    // Non-ASCII letters that Unicode normalisation or lower-casing would turn into ASCII ones.
    '\u212Aate@example.test',
    'jose\u0301@example.test',
    '\u0130stanbul@example.test',
    'a@@example.test',
    '@example.test',
    'a@',
    'a@-example.test',
    'a@example-.test',
    'a@example..test',
    'a@.example.test',
    'a@example.test.',
    'a@exa_mple.test',
    'a@[127.0.0.1]',
    `${'a'.repeat(65)}@example.test`,
    `a@${'b'.repeat(64)}.test`,
  ])('refuses %j', (raw) => {
    expect(valid(raw)).toBe(false);
  });

  it('normalises to one spelling per mailbox: trimmed, NFC, lower case, punycode domain', () => {
    expect(normalizeEmail('  A@B\u00dcCHER.example ')).toBe('a@xn--bcher-kva.example');
    expect(normalizeEmail('a@jose\u0301.example')).toBe(normalizeEmail('a@jos\u00e9.example'));
  });

  it('parseEmail gives the normalised address, or nothing for what a form would refuse', () => {
    expect(parseEmail('  A@Example.TEST ')).toBe('a@example.test');
    expect(parseEmail('a@example.test\nBcc: b@example.test')).toBeUndefined();
    expect(parseEmail('not an address')).toBeUndefined();
    expect(parseEmail(`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.test`)).toBeUndefined();
  });
});
