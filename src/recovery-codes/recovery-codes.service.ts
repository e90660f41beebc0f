import { createHmac, randomInt } from 'node:crypto';

/**
 * The 32 letters of a recovery code: Crockford's base32 in lower case, without i, l, o and u,
 * so no two letters are easily confused when read aloud or copied from paper.
 */
export const RECOVERY_CODE_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Codes per set. */
export const RECOVERY_CODE_COUNT = 10;

/** Letters per code: 10 × 5 bits = 50 bits of entropy, shown as two groups of 5. */
export const RECOVERY_CODE_LENGTH = 10;

const NORMALIZED = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`);
/** Spaces and dashes people type or paste between groups (hyphen, Unicode dashes, minus sign). */
const SEPARATORS = /[\s\u002d\u2010-\u2015\u2212]/g;
/** Crockford's decoding of look-alikes: i and l read as one, o as zero. */
const CONFUSABLES: Record<string, string> = { i: '1', l: '1', o: '0' };
/** Longer input is refused before any work: a code with generous spacing is far shorter. */
const MAX_INPUT_LENGTH = 64;
const MIN_KEY_BYTES = 32;

/** A new set: the codes to show once, and the hashes to store (same order). */
export interface RecoveryCodeSet {
  /** `xxxxx-xxxxx`, for the user to write down; never stored. */
  codes: string[];
  /** {@link RecoveryCodesService.hash} of each code, for {@link RecoveryCodeStore.replace}. */
  hashes: string[];
}

/**
 * Makes and checks account recovery codes. A code is 10 random letters of
 * {@link RECOVERY_CODE_ALPHABET} (50 bits, from `crypto.randomInt`), shown as `xxxxx-xxxxx`.
 *
 * Only hashes are stored: HMAC-SHA256 under a server key of the normalised code, base64url. A fast
 * keyed hash is enough here (unlike passwords): with 2^50 possible codes and a key the database
 * does not hold, a stolen set of hashes cannot be searched offline.
 *
 * Not decorated for injection (its key is a plain value): provide it with
 * `{ provide: RecoveryCodesService, useFactory: (c) => new RecoveryCodesService(c.recoveryKey), inject: [...] }`.
 */
export class RecoveryCodesService {
  protected readonly key: Buffer;

  /**
   * @param key the server key of the hashes, at least 32 bytes (a string counts its UTF-8 bytes).
   *   Changing it makes every stored code unusable.
   * @throws Error when the key is shorter than 32 bytes.
   */
  constructor(key: string | Buffer) {
    this.key = Buffer.from(key);
    if (this.key.length < MIN_KEY_BYTES) {
      throw new Error(`RecoveryCodesService: the key must be at least ${MIN_KEY_BYTES} bytes, got ${this.key.length}`);
    }
  }

  /** A new set of {@link RECOVERY_CODE_COUNT} distinct codes and their hashes. */
  generate(): RecoveryCodeSet {
    const normalized = new Set<string>();
    // A repeat is a 2^-50 event, but a set with one would hold fewer codes than it shows.
    while (normalized.size < RECOVERY_CODE_COUNT) {
      let code = '';
      for (let i = 0; i < RECOVERY_CODE_LENGTH; i++)
        code += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
      normalized.add(code);
    }
    const list = [...normalized];
    return { codes: list.map((c) => this.format(c)), hashes: list.map((c) => this.hash(c)) };
  }

  /**
   * The canonical form of what a user typed: lower case, spaces and dashes removed, i/l read as 1
   * and o as 0 (Crockford base32). Null when the result cannot be a code: another length, or a
   * letter outside the alphabet (such as u).
   * @example service.normalize(' ABCDE - FGH1O ') // 'abcdefgh10'
   */
  normalize(input: string): string | null {
    if (input.length > MAX_INPUT_LENGTH) return null;
    const code = input
      .toLowerCase()
      .replace(SEPARATORS, '')
      .replace(/[ilo]/g, (c) => CONFUSABLES[c]);
    return NORMALIZED.test(code) ? code : null;
  }

  /**
   * The stored form of a normalised code: HMAC-SHA256 under the server key, base64url (43 characters).
   * @throws TypeError when `normalized` is not the output of {@link normalize} (a raw `xxxxx-xxxxx`
   *   would hash to a value no stored code matches).
   */
  hash(normalized: string): string {
    if (!NORMALIZED.test(normalized)) throw new TypeError('hash() takes a normalised recovery code (see normalize())');
    return createHmac('sha256', this.key).update(normalized).digest('base64url');
  }

  /** {@link normalize} then {@link hash}: the hash to look for, or null when the input cannot be a code. */
  hashInput(input: string): string | null {
    const normalized = this.normalize(input);
    return normalized === null ? null : this.hash(normalized);
  }

  /** `xxxxx-xxxxx`: a normalised code in two groups, for reading aloud. */
  format(normalized: string): string {
    return `${normalized.slice(0, 5)}-${normalized.slice(5)}`;
  }
}
