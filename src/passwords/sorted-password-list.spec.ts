import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { SortedPasswordList } from './sorted-password-list.js';

const list = (...lines: string[]) => Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');

describe('SortedPasswordList', () => {
  const dir = mkdtempSync(join(tmpdir(), 'password-list-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every entry of a small list, and nothing between them', () => {
    const words = ['a', 'ab', 'abc', 'b', 'hunter2', 'zz'];
    const l = SortedPasswordList.fromBuffer(list(...words));
    expect(l.size).toBe(6);
    for (const w of words) expect(l.has(w)).toBe(true);
    for (const w of ['', '0', 'aa', 'abcd', 'ba', 'hunter', 'hunter22', 'z', 'zzz', '~']) expect(l.has(w)).toBe(false);
  });

  it('works with one entry', () => {
    const l = SortedPasswordList.fromBuffer(list('secret'));
    expect(l.has('secret')).toBe(true);
    expect(l.has('secre')).toBe(false);
    expect(l.has('secrets')).toBe(false);
  });

  it('orders by UTF-8 bytes, not UTF-16 units', () => {
    // U+E000 sorts before 😀 in UTF-8 (EE… < F0…) but after it in UTF-16 (E000 > D83D).
    const l = SortedPasswordList.fromBuffer(list('zebra', 'é', '\uE000', '😀'));
    for (const w of ['zebra', 'é', '\uE000', '😀']) expect(l.has(w)).toBe(true);
  });

  it('normalises the key: lower case and NFKC', () => {
    const l = SortedPasswordList.fromBuffer(list('password'));
    expect(l.has('PASSWORD')).toBe(true);
    expect(l.has('ｐａｓｓｗｏｒｄ')).toBe(true);
  });

  it.each([
    ['an empty list', Buffer.alloc(0), /no entries/],
    ['a list without a final newline', Buffer.from('a\nb'), /last line/],
    ['an unsorted list', list('b', 'a'), /line 2 is not after line 1/],
    ['a list with a duplicate', list('a', 'b', 'b'), /line 3 is not after line 2/],
    ['a list with an empty line', Buffer.from('a\n\nb\n'), /line 2 is empty/],
    ['a list with Windows line ends', Buffer.from('a\r\nb\r\n'), /line 1 ends with a carriage return/],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => SortedPasswordList.fromBuffer(bytes)).toThrow(message);
  });

  it('reads plain and gzipped files, and names the file in errors', () => {
    const plain = join(dir, 'plain.txt');
    const gz = join(dir, 'list.txt.gz');
    const bad = join(dir, 'bad.txt');
    writeFileSync(plain, list('one', 'two'));
    writeFileSync(gz, gzipSync(list('three', 'two')));
    writeFileSync(bad, list('two', 'one'));
    expect(SortedPasswordList.fromFile(plain).has('one')).toBe(true);
    expect(SortedPasswordList.fromFile(gz).has('three')).toBe(true);
    expect(() => SortedPasswordList.fromFile(bad)).toThrow(`The password list ${bad} is unusable: line 2`);
    expect(() => SortedPasswordList.fromFile(join(dir, 'missing.txt'))).toThrow(
      /Cannot read the password list .*missing/,
    );
  });
});
