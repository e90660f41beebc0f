import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryRecoveryCodeStore } from './memory-recovery-code.store.js';
import {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
  RECOVERY_CODE_LENGTH,
  RecoveryCodesService,
} from './recovery-codes.service.js';

const KEY = 'unit-test-recovery-key-0123456789abcdef';
const service = new RecoveryCodesService(KEY);
const FORMAT = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;

describe('RecoveryCodesService', () => {
  describe('alphabet', () => {
    it('has 32 distinct letters without look-alikes, so 10 letters carry 50 bits', () => {
      expect(RECOVERY_CODE_ALPHABET).toHaveLength(32);
      expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(32);
      expect(RECOVERY_CODE_ALPHABET).toMatch(/^[0-9a-z]+$/);
      for (const c of 'ilou') expect(RECOVERY_CODE_ALPHABET).not.toContain(c);
      expect(RECOVERY_CODE_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(50);
    });
  });

  describe('generate', () => {
    it('makes 10 distinct codes as xxxxx-xxxxx, with their hashes in the same order', () => {
      const { codes, hashes } = service.generate();
      expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
      expect(hashes).toHaveLength(RECOVERY_CODE_COUNT);
      expect(new Set(codes).size).toBe(10);
      expect(new Set(hashes).size).toBe(10);
      codes.forEach((code, i) => {
        expect(code).toMatch(FORMAT);
        expect(hashes[i]).toBe(service.hash(service.normalize(code)!));
      });
    });

    it('gives different sets each time', () => {
      const a = service.generate().codes;
      const b = service.generate().codes;
      expect(a.filter((c) => b.includes(c))).toEqual([]);
    });

    it('uses every letter of the alphabet about equally often', () => {
      const counts = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        for (const code of service.generate().codes) {
          for (const c of code.replace('-', '')) counts.set(c, (counts.get(c) ?? 0) + 1);
        }
      }
      // 20,000 letters: 625 expected per letter, standard deviation about 25.
      expect([...counts.keys()].sort().join('')).toBe([...RECOVERY_CODE_ALPHABET].sort().join(''));
      for (const n of counts.values()) {
        expect(n).toBeGreaterThan(450);
        expect(n).toBeLessThan(800);
      }
    });
  });

  describe('normalize', () => {
    it('keeps a normalised code as it is', () => {
      expect(service.normalize('0123456789')).toBe('0123456789');
      expect(service.normalize('abcdefghjk')).toBe('abcdefghjk');
    });

    it.each([
      ['ABCDE-FGHJK', 'abcdefghjk'],
      ['abcde fghjk', 'abcdefghjk'],
      ['  abcde - fghjk  ', 'abcdefghjk'],
      ['a-b-c-d-e-f-g-h-j-k', 'abcdefghjk'],
      ['abcde\tfghjk\n', 'abcdefghjk'],
      ['abcde\u2013fghjk', 'abcdefghjk'], // en dash, as word processors print it
      ['abcde\u2212fghjk', 'abcdefghjk'], // minus sign
      ['abcde\u00a0fghjk', 'abcdefghjk'], // no-break space
    ])('removes case, spaces and dashes: %j', (input, expected) => {
      expect(service.normalize(input)).toBe(expected);
    });

    it.each([
      ['iiiii-lllll', '1111111111'],
      ['IIIII-LLLLL', '1111111111'],
      ['ooooo-OOOOO', '0000000000'],
      ['abc1o-lmn0i', 'abc101mn01'],
    ])('reads the Crockford look-alikes i, l as 1 and o as 0: %j', (input, expected) => {
      expect(service.normalize(input)).toBe(expected);
    });

    it('makes a code match its own hash however it is typed', () => {
      const { codes, hashes } = service.generate();
      const typed = codes[0].toUpperCase().replace('-', ' ').replaceAll('1', 'l').replaceAll('0', 'O');
      expect(service.hashInput(typed)).toBe(hashes[0]);
      expect(service.hashInput(` ${codes[7]} `)).toBe(hashes[7]);
    });

    it.each([
      ['empty', ''],
      ['only separators', ' - - '],
      ['9 letters', 'abcde-fghj'],
      ['11 letters', 'abcde-fghjkm'],
      ['a whole set on one line', 'abcde-fghjk abcde-fghjk'],
      ['u, not in the alphabet', 'abcde-fghju'],
      ['punctuation', 'abcde.fghjk'],
      ['underscore', 'abcde_fghjk'],
      ['non-Latin look-alike', 'аbcde-fghjk'], // Cyrillic а
      ['full-width digits', '０１２３４５６７８９'],
      ['very long input', `${'a'.repeat(5)}${' '.repeat(100)}${'a'.repeat(5)}`],
    ])('refuses input that cannot be a code (%s)', (_name, input) => {
      expect(service.normalize(input)).toBeNull();
      expect(service.hashInput(input)).toBeNull();
    });
  });

  describe('hash', () => {
    it('is HMAC-SHA256 of the normalised code under the server key, base64url', () => {
      const expected = createHmac('sha256', KEY).update('abcdefghjk').digest('base64url');
      expect(service.hash('abcdefghjk')).toBe(expected);
      expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('depends on the key', () => {
      const other = new RecoveryCodesService(Buffer.alloc(32, 1));
      expect(other.hash('abcdefghjk')).not.toBe(service.hash('abcdefghjk'));
    });

    it('refuses input that was not normalised', () => {
      expect(() => service.hash('abcde-fghjk')).toThrow(TypeError);
      expect(() => service.hash('ABCDEFGHJK')).toThrow(TypeError);
      expect(() => service.hash('')).toThrow(TypeError);
    });
  });

  it('refuses a key shorter than 32 bytes, saying so', () => {
    expect(() => new RecoveryCodesService('too-short')).toThrow(
      'RecoveryCodesService: the key must be at least 32 bytes, got 9',
    );
    expect(() => new RecoveryCodesService(Buffer.alloc(31))).toThrow('got 31');
    expect(() => new RecoveryCodesService(Buffer.alloc(32))).not.toThrow();
  });

  it('with a store, lets each code sign in once', async () => {
    const store = new MemoryRecoveryCodeStore();
    const email = 'ada@example.test';
    const { codes, hashes } = service.generate();
    await store.replace(email, hashes);
    const use = async (input: string) => {
      const hash = service.hashInput(input);
      return hash === null ? null : store.consume(email, hash);
    };
    expect(await use(codes[2].toUpperCase())).toBe(9);
    expect(await use(codes[2])).toBeNull();
    expect(await use('abcde-fghjk')).toBeNull();
    expect(await store.count(email)).toBe(9);
  });
});
