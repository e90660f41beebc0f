import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateKeyRing, parseKeyRing, SecretBox, SecretBoxError, type SecretBoxFailure } from './secret-box.js';

const key = (fill?: number) => (fill === undefined ? randomBytes(32) : Buffer.alloc(32, fill)).toString('base64');
const EMAIL = 'ada@example.test';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** The SecretBoxError `fn` throws (fails the test when it throws nothing or something else). */
function refusal(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretBoxError);
    return err as SecretBoxError;
  }
  throw new Error('expected a SecretBoxError');
}

function expectRefused(fn: () => unknown, reason: SecretBoxFailure): SecretBoxError {
  const err = refusal(fn);
  expect(err.reason).toBe(reason);
  return err;
}

/** Changes one character of a base64url string into another base64url character. */
function flip(part: string, at = 0): string {
  const c = part[at];
  return part.slice(0, at) + (c === 'A' ? 'B' : 'A') + part.slice(at + 1);
}

describe('parseKeyRing', () => {
  it('reads ids and keys; the first entry is the primary', () => {
    const ring = parseKeyRing(` new:${key()} , old_1:${key()},x-2:${key()}`);
    expect(ring.primary).toBe('new');
    expect([...ring.keys.keys()]).toEqual(['new', 'old_1', 'x-2']);
    expect(ring.keys.get('old_1')?.symmetricKeySize).toBe(32);
  });

  it('accepts unpadded and base64url keys', () => {
    const bytes = Buffer.alloc(32, 0xfb); // encodes with + and / in base64
    const ring = parseKeyRing(`a:${bytes.toString('base64').replace(/=+$/, '')},b:${bytes.toString('base64url')}`);
    expect(ring.keys.get('a')?.export()).toEqual(bytes);
    expect(ring.keys.get('b')?.export()).toEqual(bytes);
  });

  it('does not print key bytes when the ring is logged', () => {
    const bytes = randomBytes(32);
    const ring = parseKeyRing(`k:${bytes.toString('base64')}`);
    for (const shown of [JSON.stringify(ring), inspect(ring, { depth: 10, showHidden: true })]) {
      expect(shown).not.toContain(bytes.toString('base64').slice(0, 12));
      expect(shown).not.toContain(bytes.toString('hex').slice(0, 12));
      expect(shown).not.toContain(bytes.subarray(0, 6).join(', '));
    }
  });

  it.each([
    ['', /empty: give at least one "id:base64key" entry/],
    ['   ', /empty: give at least one/],
  ])('refuses an empty list (%j)', (text, message) => {
    expect(() => parseKeyRing(text)).toThrow(message);
  });

  it('refuses an empty entry', () => {
    expect(() => parseKeyRing(`a:${key()},`)).toThrow('Key ring entry 2 of 2 is empty: remove the extra comma');
    expect(() => parseKeyRing(`a:${key()},,b:${key()}`)).toThrow('entry 2 of 3 is empty');
  });

  it('refuses an entry without ":" and does not echo it', () => {
    const k = key();
    const err = (() => {
      try {
        parseKeyRing(k);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(err.message).toBe('Key ring entry 1 of 1 has no ":": write it as "id:base64key"');
    expect(err.message).not.toContain(k);
  });

  it.each([
    ['', 'it has 0 characters'],
    ['this-id-is-17-chr', 'it has 17 characters'],
    ['bad id', 'it has 6 characters, some not allowed'],
    ['bad.id', 'it has 6 characters, some not allowed'],
    ['bäd', 'it has 3 characters, some not allowed'],
  ])('refuses the id %j, saying what is allowed', (id, detail) => {
    expect(() => parseKeyRing(`${id}:${key()}`)).toThrow(
      `Key ring entry 1 of 1: the id before ":" must be 1 to 16 characters of A-Z a-z 0-9 _ - (${detail})`,
    );
  });

  it('does not echo a swapped "key:id" entry', () => {
    const k = key();
    expect(() => parseKeyRing(`${k}:k1`)).toThrow(/it has 44 characters\)$/);
  });

  it('accepts an id of exactly 16 characters', () => {
    expect(parseKeyRing(`abcdefghijklmnop:${key()}`).primary).toBe('abcdefghijklmnop');
  });

  it('refuses a duplicate id', () => {
    expect(() => parseKeyRing(`a:${key()},b:${key()},a:${key()}`)).toThrow(
      'Key ring entry 3 of 3: the id "a" is already used by an earlier entry; give each key its own id',
    );
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64'), 'is 16 bytes after base64 decoding; it must be exactly 32'],
    ['33 bytes', randomBytes(33).toString('base64'), 'is 33 bytes after base64 decoding; it must be exactly 32'],
    ['hex', randomBytes(32).toString('hex'), 'is 48 bytes after base64 decoding; it must be exactly 32'],
    ['nothing', '', 'is not base64'],
    ['not base64', 'not*base64!', 'is not base64'],
  ])('refuses a key of the wrong length or encoding (%s)', (_label, encoded, message) => {
    expect(() => parseKeyRing(`k1:${encoded}`)).toThrow(`Key ring entry 1 of 1: the key of "k1" ${message}`);
  });
});

describe('generateKeyRing', () => {
  it('returns one entry that parseKeyRing accepts', () => {
    const entry = generateKeyRing();
    expect(entry).toMatch(/^\d{8}-[0-9a-f]{4}:[A-Za-z0-9+/]{43}=$/);
    const ring = parseKeyRing(entry);
    expect(ring.primary).toBe(entry.split(':')[0]);
    expect(new SecretBox(ring).open(new SecretBox(ring).seal('x'))).toBe('x');
  });

  it('gives a different key each time', () => {
    expect(generateKeyRing().split(':')[1]).not.toBe(generateKeyRing().split(':')[1]);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(parseKeyRing(`k1:${key()}`));

  it('round-trips text, bound to the aad', () => {
    for (const text of [SECRET, '', 'ünïcødé ✓', 'x'.repeat(10_000)]) {
      expect(box.open(box.seal(text, EMAIL), EMAIL)).toBe(text);
    }
    expect(box.open(box.seal(SECRET))).toBe(SECRET);
  });

  it('writes v1.<keyId>.<iv>.<ciphertext>.<tag> with a fresh 12-byte IV each time', () => {
    const a = box.seal(SECRET, EMAIL);
    const b = box.seal(SECRET, EMAIL);
    expect(a).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const [, , ivA, ctA] = a.split('.');
    const [, , ivB, ctB] = b.split('.');
    expect(Buffer.from(ivA, 'base64url')).toHaveLength(12);
    expect(ivA).not.toBe(ivB);
    expect(ctA).not.toBe(ctB);
    expect(Buffer.from(ctA, 'base64url')).toHaveLength(SECRET.length);
    expect(a).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 8));
  });

  describe('rotation', () => {
    const oldKey = key(1);
    const newKey = key(2);
    const before = new SecretBox(parseKeyRing(`old:${oldKey}`));
    const after = new SecretBox(parseKeyRing(`new:${newKey},old:${oldKey}`));

    it('opens values sealed under an older key once a new key is put first', () => {
      const sealed = before.seal(SECRET, EMAIL);
      expect(sealed.split('.')[1]).toBe('old');
      expect(after.open(sealed, EMAIL)).toBe(SECRET);
    });

    it('seals new values under the new first key', () => {
      const sealed = after.seal(SECRET, EMAIL);
      expect(sealed.split('.')[1]).toBe('new');
      expect(after.open(sealed, EMAIL)).toBe(SECRET);
      // A box that only knows the old key cannot open it.
      expectRefused(() => before.open(sealed, EMAIL), 'unknown-key');
    });

    it('needsReseal tells which values are still under an old key', () => {
      expect(after.needsReseal(before.seal(SECRET, EMAIL))).toBe(true);
      expect(after.needsReseal(after.seal(SECRET, EMAIL))).toBe(false);
      expect(after.needsReseal('garbage')).toBe(false);
    });

    it('keeps each key with its id: the same id with another key does not open', () => {
      const sealed = before.seal(SECRET, EMAIL);
      const impostor = new SecretBox(parseKeyRing(`old:${newKey}`));
      expectRefused(() => impostor.open(sealed, EMAIL), 'unauthentic');
    });
  });

  describe('refusals', () => {
    const sealed = box.seal(SECRET, EMAIL);
    const parts = sealed.split('.');
    const withPart = (i: number, value: string) => parts.map((p, j) => (j === i ? value : p)).join('.');

    it('refuses the wrong aad (a value moved to another account) and a missing one', () => {
      const err = expectRefused(() => box.open(sealed, 'eve@example.test'), 'unauthentic');
      expect(err.message).toBe('The sealed value does not authenticate: it was altered or belongs to other data');
      expectRefused(() => box.open(sealed), 'unauthentic');
      expectRefused(() => box.open(box.seal(SECRET), EMAIL), 'unauthentic');
    });

    it.each([
      ['iv', 2],
      ['ciphertext', 3],
      ['tag', 4],
    ])('refuses a tampered %s', (_name, i) => {
      for (const at of [0, Math.floor(parts[i].length / 2)]) {
        const err = refusal(() => box.open(withPart(i, flip(parts[i], at)), EMAIL));
        expect(['unauthentic', 'malformed']).toContain(err.reason);
      }
      // A change that keeps the encoding canonical reaches the GCM check.
      expectRefused(() => box.open(withPart(i, flip(parts[i], 0)), EMAIL), 'unauthentic');
    });

    it('refuses a value whose key id was changed to another known key', () => {
      const two = new SecretBox(parseKeyRing(`k1:${key()},k2:${key()}`));
      const s = two.seal(SECRET, EMAIL).split('.');
      s[1] = 'k2';
      expectRefused(() => two.open(s.join('.'), EMAIL), 'unauthentic');
    });

    it('refuses an unknown key id, naming it', () => {
      const err = expectRefused(() => box.open(withPart(1, 'gone'), EMAIL), 'unknown-key');
      expect(err.message).toBe('The sealed value uses key "gone", which is not in the key ring');
    });

    it('refuses a truncated ciphertext or tag', () => {
      // Dropping 4 leading characters (3 whole bytes) keeps the encoding canonical.
      expectRefused(() => box.open(withPart(3, parts[3].slice(4)), EMAIL), 'unauthentic');
      expectRefused(() => box.open(withPart(3, ''), EMAIL), 'unauthentic');
      expectRefused(() => box.open(withPart(4, parts[4].slice(0, -4)), EMAIL), 'malformed');
    });

    it.each([
      ['empty', ''],
      ['another version', `v2.${parts.slice(1).join('.')}`],
      ['a missing part', parts.slice(0, 4).join('.')],
      ['an extra part', `${sealed}.AAAA`],
      ['a bad key id', ['v1', 'k 1', ...parts.slice(2)].join('.')],
      ['a short iv', ['v1', 'k1', 'AAAA', ...parts.slice(3)].join('.')],
      ['padding', ['v1', 'k1', parts[2], parts[3], `${parts[4]}==`].join('.')],
      ['non-base64url characters', ['v1', 'k1', parts[2], `${parts[3].slice(1)}+`, parts[4]].join('.')],
      ['JSON', JSON.stringify({ v: 1 })],
    ])('refuses a malformed value (%s)', (_name, value) => {
      expectRefused(() => box.open(value, EMAIL), 'malformed');
    });

    it('never puts the plaintext, the key or the value in its messages', () => {
      const encoded = key(9);
      const b = new SecretBox(parseKeyRing(`k1:${encoded}`));
      const s = b.seal(SECRET, EMAIL);
      const messages = [
        refusal(() => b.open(s, 'other')).message,
        refusal(() => b.open(s.replace('.k1.', '.k9.'), EMAIL)).message,
        refusal(() => b.open(`${s}x`, EMAIL)).message,
      ];
      for (const m of messages) {
        expect(m).not.toContain(SECRET);
        expect(m).not.toContain(encoded);
        expect(m).not.toContain(s.split('.')[3]);
      }
    });
  });
});
