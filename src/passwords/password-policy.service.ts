import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  PASSWORDS_MODULE_OPTIONS,
  type PasswordsModuleOptions,
  resolvePasswordsOptions,
} from './passwords.module-definition.js';
import { DEFAULT_PASSWORD_LIST_FILE, normalizeForList, SortedPasswordList } from './sorted-password-list.js';

/** A local part shorter than this is too likely to occur by chance to be refused inside a password. */
const MIN_EMAIL_NAME_LENGTH = 3;

/**
 * The password rules of NIST SP 800-63B (rev. 3 §5.1.1.2, rev. 4 §3.1.1.2): a length between
 * `minLength` and `maxLength` (default 8 to 256) counted in Unicode code points, no composition rules
 * (any character, no required digits or symbols), and refusal of a password that is on a list of
 * common or breached ones or that contains the account's email name (context-specific words).
 *
 * The list ({@link DEFAULT_PASSWORD_LIST_FILE}, or the `listFile` option) is read once, when the
 * service is made, into one Buffer ({@link listBytes} bytes) and binary-searched in place: memory does
 * not grow with the number of checks. Comparison ignores case and Unicode compatibility forms
 * ({@link normalizeForList}): attackers try `Password` as soon as `password`.
 *
 * Works without the module too: `new PasswordPolicy()` has the defaults.
 */
@Injectable()
export class PasswordPolicy {
  /** Fewest code points accepted. */
  readonly minLength: number;
  /** Most code points accepted. */
  readonly maxLength: number;
  protected readonly list: SortedPasswordList;

  /**
   * @param options see {@link PasswordsModuleOptions}; injected by `PasswordsModule`.
   * @throws Error when an option is wrong or the list file is missing or unusable.
   */
  constructor(@Optional() @Inject(PASSWORDS_MODULE_OPTIONS) options: PasswordsModuleOptions = {}) {
    const resolved = resolvePasswordsOptions(options);
    this.minLength = resolved.minLength;
    this.maxLength = resolved.maxLength;
    this.list = SortedPasswordList.fromFile(resolved.listFile ?? DEFAULT_PASSWORD_LIST_FILE);
  }

  /** Entries in the list of refused passwords. */
  get listSize(): number {
    return this.list.size;
  }

  /** Bytes of the one Buffer the list is held in: its uncompressed file size. */
  get listBytes(): number {
    return this.list.byteLength;
  }

  /**
   * What is wrong with `password`, as short English sentences for the details of a 400
   * `validation_failed`; empty when it is acceptable. A password longer than `maxLength` gets only
   * that problem (nothing else is worth computing on it).
   *
   * @param email the account's address: a password containing its local part (case-insensitive,
   *   when the local part has at least 3 characters; also its part before a `+` tag) is refused.
   * @example
   * policy.check('iloveyou'); // ['The password is one of the most common passwords.']
   * policy.check('tangerine orbit kettle', 'alice@example.com'); // []
   */
  check(password: string, email?: string): string[] {
    const length = codePoints(password);
    if (length > this.maxLength) return [`The password must be at most ${this.maxLength} characters long.`];
    const problems: string[] = [];
    if (length < this.minLength) {
      problems.push(
        `The password must be at least ${this.minLength} character${this.minLength === 1 ? '' : 's'} long.`,
      );
    }
    if (this.isCommon(password)) problems.push('The password is one of the most common passwords.');
    if (email !== undefined && this.containsEmailName(password, email)) {
      problems.push("The password contains your email's name.");
    }
    return problems;
  }

  /** True when `password` is on the list, ignoring case (see {@link normalizeForList}). */
  isCommon(password: string): boolean {
    return this.list.has(password);
  }

  /**
   * True when `password` contains a name from `email`: its local part and, for `name+tag@…`, `name`,
   * each only when at least 3 characters long. Case and compatibility forms are ignored.
   */
  protected containsEmailName(password: string, email: string): boolean {
    const at = email.lastIndexOf('@');
    const local = normalizeForList(at < 0 ? email : email.slice(0, at));
    const plus = local.indexOf('+');
    const names = plus > 0 ? [local, local.slice(0, plus)] : [local];
    const typed = normalizeForList(password);
    return names.some((name) => codePoints(name) >= MIN_EMAIL_NAME_LENGTH && typed.includes(name));
  }
}

/** Length in Unicode code points (NIST: each code point is one character), not UTF-16 units. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
