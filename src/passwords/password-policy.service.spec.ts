import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { PasswordPolicy } from './password-policy.service.js';
import { DEFAULT_PASSWORD_LIST_FILE, normalizeForList } from './sorted-password-list.js';

const COMMON = 'The password is one of the most common passwords.';
const EMAIL_NAME = "The password contains your email's name.";
const TOO_SHORT = 'The password must be at least 8 characters long.';
const TOO_LONG = 'The password must be at most 256 characters long.';

const MB = 1024 * 1024;

/** V8's garbage collector, exposed at run time: the test runner starts workers without `--expose-gc`. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `n` code points mixing 2-, 3- and 4-byte UTF-8 characters (the emoji is 2 UTF-16 units). */
const multiByte = (n: number) => Array.from({ length: n }, (_, i) => ['é', '字', '😀', 'q'][i % 4]).join('');

describe('PasswordPolicy', () => {
  let policy: PasswordPolicy;
  /** The shipped list, one string per entry, in file order. */
  let entries: string[];

  beforeAll(() => {
    policy = new PasswordPolicy();
    entries = gunzipSync(readFileSync(DEFAULT_PASSWORD_LIST_FILE)).toString('utf8').split('\n').slice(0, -1);
  });

  describe('the shipped list', () => {
    it('has at least 100,000 entries, all of them normalised', () => {
      expect(policy.listSize).toBeGreaterThanOrEqual(100_000);
      expect(policy.listSize).toBe(entries.length);
      // The build script and the service must normalise alike, or entries become unreachable.
      expect(entries.filter((e) => normalizeForList(e) !== e)).toEqual([]);
    });

    it('finds every entry, and nothing that is not one', () => {
      for (const entry of entries) {
        if (!policy.isCommon(entry)) expect.fail(`not found: ${JSON.stringify(entry)}`);
      }
      const set = new Set(entries);
      for (let i = 0; i < 10_000; i++) {
        const candidate = randomBytes(1 + (i % 12)).toString('latin1');
        expect(policy.isCommon(candidate)).toBe(set.has(normalizeForList(candidate)));
      }
    });

    it('finds the first and last entries and refuses keys just outside them (binary search edges)', () => {
      const [first, second] = entries;
      const [last, beforeLast] = [entries.at(-1)!, entries.at(-2)!];
      for (const e of [first, second, beforeLast, last]) expect(policy.isCommon(e)).toBe(true);
      // U+0000 is the smallest character and never in the list: `x\0` sorts right after `x`.
      expect(policy.isCommon('\u0000')).toBe(false);
      expect(policy.isCommon(`${first}\u0000`)).toBe(false);
      expect(policy.isCommon(`${beforeLast}\u0000`)).toBe(false);
      expect(policy.isCommon(`${last}\u0000`)).toBe(false);
      expect(policy.isCommon('\u{10FFFF}')).toBe(false);
      expect(policy.isCommon('')).toBe(false);
    });

    it('keeps the list out of the JS heap: a new policy and 100,000 checks add under 1 MB to it, where the entries as strings take over 10 MB', async () => {
      // Buffer memory is released a little after the collection that frees it: wait a tick, collect again.
      const settled = async () => {
        gc();
        await new Promise((r) => setTimeout(r, 20));
        gc();
        return process.memoryUsage();
      };
      const fileBytes = entries.reduce((n, e) => n + Buffer.byteLength(e) + 1, 0);
      const before = await settled();
      const fresh = new PasswordPolicy();
      const made = await settled();
      for (let i = 0; i < 100_000; i++) fresh.isCommon(`check-${i}`);
      const checked = await settled();
      // For scale, and to show this measure sees an expanded list: the same entries as a Set of strings.
      const expanded = new Set(gunzipSync(readFileSync(DEFAULT_PASSWORD_LIST_FILE)).toString('utf8').split('\n'));
      const asStrings = (await settled()).heapUsed - checked.heapUsed;
      expect(expanded.size).toBe(fresh.listSize + 1); // and '' after the last newline

      expect(asStrings).toBeGreaterThan(10 * MB);
      expect(made.heapUsed - before.heapUsed).toBeLessThan(MB);
      expect(checked.heapUsed - made.heapUsed).toBeLessThan(MB);
      // The list is held off the heap, in buffer memory: the file's uncompressed size, once (give or
      // take buffers of the test runner allocated or freed meanwhile: well under the file's size again).
      const buffered = made.arrayBuffers - before.arrayBuffers;
      expect(Math.abs(buffered - fileBytes), `${buffered} buffer bytes for a ${fileBytes}-byte list`).toBeLessThan(
        MB / 2,
      );
      expect(fileBytes).toBeLessThan(8 * MB);
      // Still in use here, so no measure above saw it collected.
      expect(fresh.isCommon('password')).toBe(true);
    });
  });

  describe('common passwords', () => {
    it.each(['password', '123456', 'qwerty123', 'iloveyou'])('refuses %s', (password) => {
      expect(policy.isCommon(password)).toBe(true);
      expect(policy.check(password)).toContain(COMMON);
    });

    it('ignores case and compatibility forms', () => {
      for (const p of ['PassWord', 'ILOVEYOU', 'Qwerty123', 'ｐａｓｓｗｏｒｄ']) {
        expect(policy.check(p), p).toEqual([COMMON]);
      }
    });

    it('accepts a long random passphrase and a long made-up one', () => {
      const random = Array.from({ length: 5 }, () => randomBytes(4).toString('hex')).join(' ');
      expect(policy.check(random, 'someone@example.com')).toEqual([]);
      expect(policy.check('tangerine orbit kettle marsh', 'someone@example.com')).toEqual([]);
    });

    it('has no composition rules: letters only, digits only, spaces only are fine when long and rare', () => {
      expect(policy.check('zqxvwkjhgtmrplsbn')).toEqual([]);
      expect(policy.check('80417395520611')).toEqual([]);
      expect(policy.check(' '.repeat(9) + 'ß')).toEqual([]);
    });
  });

  describe('length, in Unicode code points', () => {
    it('refuses 7 and accepts 8, counting a 4-byte emoji as one', () => {
      expect(policy.check(multiByte(7))).toEqual([TOO_SHORT]);
      expect(policy.check(multiByte(8))).toEqual([]);
      // 8 UTF-16 units but 4 characters.
      expect('😀😺🙈🦊').toHaveLength(8);
      expect(policy.check('😀😺🙈🦊')).toEqual([TOO_SHORT]);
    });

    it('accepts 256 and refuses 257', () => {
      expect(policy.check(multiByte(256))).toEqual([]);
      expect(policy.check(multiByte(257))).toEqual([TOO_LONG]);
      expect(policy.check('😀'.repeat(256))).toEqual([]);
      expect(policy.check('😀'.repeat(257))).toEqual([TOO_LONG]);
    });

    it('reports a short common password twice over', () => {
      expect(policy.check('123456')).toEqual([TOO_SHORT, COMMON]);
    });

    it('follows minLength and maxLength', () => {
      const strict = new PasswordPolicy({ minLength: 15, maxLength: 64 });
      expect(strict.check(multiByte(14))).toEqual(['The password must be at least 15 characters long.']);
      expect(strict.check(multiByte(15))).toEqual([]);
      expect(strict.check(multiByte(65))).toEqual(['The password must be at most 64 characters long.']);
    });
  });

  describe("the email's name", () => {
    it('refuses a password containing the local part, ignoring case', () => {
      expect(policy.check('xx-ALICE-2024-zz', 'alice@example.com')).toEqual([EMAIL_NAME]);
      expect(policy.check('my bob.smith passphrase', 'Bob.Smith@example.com')).toEqual([EMAIL_NAME]);
      expect(policy.check('xx-alice-2024-zz', 'bob@example.com')).toEqual([]);
      expect(policy.check('xx-alice-2024-zz')).toEqual([]);
    });

    it('also refuses the name before a +tag', () => {
      expect(policy.check('carol-likes-hats', 'carol+shop@example.com')).toEqual([EMAIL_NAME]);
      expect(policy.check('carol+shop-likes-hats', 'carol+shop@example.com')).toEqual([EMAIL_NAME]);
    });

    it('applies from 3 characters: not for a 2-character local part', () => {
      expect(policy.check('quiet-al-harbour', 'al@example.com')).toEqual([]);
      expect(policy.check('quiet-ali-harbour', 'ali@example.com')).toEqual([EMAIL_NAME]);
      // A short name before a +tag is not checked either.
      expect(policy.check('quiet-al-harbour', 'al+x@example.com')).toEqual([]);
    });

    it('adds to the other problems', () => {
      expect(policy.check('Dave~7q', 'dave@example.com')).toEqual([TOO_SHORT, EMAIL_NAME]);
    });
  });
});
