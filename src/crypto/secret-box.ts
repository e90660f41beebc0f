import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

/** Version tag of the sealed format; a later format gets a new tag and `open` keeps reading this one. */
const VERSION = 'v1';
const KEY_BYTES = 32;
/** 96-bit IV, the size GCM is designed for (NIST SP 800-38D §8.2). */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const GENERATE_HINT = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

/**
 * AES-256 keys by id. The first key ({@link KeyRing.primary}) seals; every key opens.
 * Build it with {@link parseKeyRing}. Keys are `KeyObject`s, so logging a ring never prints key bytes.
 */
export interface KeyRing {
  /** Id of the key that seals new values: the first entry of the configured list. */
  readonly primary: string;
  /** Every key by id, the primary included, in configured order. */
  readonly keys: ReadonlyMap<string, KeyObject>;
}

/**
 * Parses a key ring from its configuration text: a comma-separated list of `id:base64key`,
 * e.g. `2025b:q83v…=,2025a:Zm9v…=`. Each key is exactly 32 bytes after base64 (or base64url)
 * decoding; ids are 1–16 characters of `A-Z a-z 0-9 _ -` and unique. Spaces around entries are ignored.
 *
 * Rotation: put a new entry first (it seals from then on) and keep the old ones after it until
 * nothing sealed under them is left.
 *
 * @throws Error whose message says what to change (empty list, empty entry, missing `:`, bad id,
 *   duplicate id, bad base64, wrong key length). Messages never contain key material, and repeat
 *   an id only once it is known to be a valid id.
 */
export function parseKeyRing(text: string): KeyRing {
  if (text.trim() === '') {
    throw new Error(`Key ring is empty: give at least one "id:base64key" entry (a key: ${GENERATE_HINT})`);
  }
  const keys = new Map<string, KeyObject>();
  const entries = text.split(',');
  for (const [i, raw] of entries.entries()) {
    const where = `Key ring entry ${i + 1} of ${entries.length}`;
    const entry = raw.trim();
    if (entry === '') throw new Error(`${where} is empty: remove the extra comma`);
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} has no ":": write it as "id:base64key"`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    // The id is not echoed: a swapped "key:id" entry would otherwise print the key.
    if (!KEY_ID.test(id)) {
      const detail = id.length > 0 && id.length <= 16 ? ', some not allowed' : '';
      throw new Error(
        `${where}: the id before ":" must be 1 to 16 characters of A-Z a-z 0-9 _ - (it has ${id.length} characters${detail})`,
      );
    }
    if (keys.has(id)) {
      throw new Error(`${where}: the id "${id}" is already used by an earlier entry; give each key its own id`);
    }
    if (!BASE64.test(encoded)) {
      throw new Error(`${where}: the key of "${id}" is not base64; generate one with ${GENERATE_HINT}`);
    }
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.length !== KEY_BYTES) {
      throw new Error(
        `${where}: the key of "${id}" is ${bytes.length} bytes after base64 decoding; it must be exactly ${KEY_BYTES} (generate one with ${GENERATE_HINT})`,
      );
    }
    // createSecretKey copies the bytes, so this buffer can be wiped.
    keys.set(id, createSecretKey(bytes));
    bytes.fill(0);
  }
  return { primary: entries[0].slice(0, entries[0].indexOf(':')).trim(), keys };
}

/**
 * One new random key ring entry `id:base64key` (32 random bytes, id like `20250314-9f2c` from
 * today's UTC date and 2 random bytes), for development and for rotation: put it first in the list.
 */
export function generateKeyRing(): string {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return `${date}-${randomBytes(2).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * Why {@link SecretBox.open} refused a value: `malformed`, not a `v1` sealed value; `unknown-key`,
 * its key id is not in the ring; `unauthentic`, altered, or opened with another `aad` than it was sealed with.
 */
export type SecretBoxFailure = 'malformed' | 'unknown-key' | 'unauthentic';

/**
 * A sealed value could not be opened. Its message names the reason (and the key id when unknown)
 * but never the plaintext, the key or the sealed value itself.
 */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';

  constructor(
    readonly reason: SecretBoxFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Authenticated encryption of small secrets at rest (e.g. TOTP secrets) with AES-256-GCM.
 *
 * Sealed format: `v1.<keyId>.<iv>.<ciphertext>.<tag>`, the last three base64url without padding,
 * a random 12-byte IV per seal and a 16-byte tag. The additional authenticated data is the
 * `v1.<keyId>.` header followed by `aad`: pass the owner (the account email) as `aad` so a sealed
 * value copied to another account does not open there.
 *
 * @example
 * const box = new SecretBox(parseKeyRing(config.secretKeys));
 * const sealed = box.seal(totpSecret, email);
 * box.open(sealed, email); // totpSecret
 */
export class SecretBox {
  constructor(protected readonly ring: KeyRing) {}

  /** Encrypts `plaintext` (UTF-8) under the primary key, bound to `aad` (default: empty). */
  seal(plaintext: string, aad = ''): string {
    const keyId = this.ring.primary;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.ring.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.aadFor(keyId, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, keyId, iv, ciphertext, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /**
   * Decrypts a value made by {@link seal} with any key of the ring.
   * @throws SecretBoxError when it is malformed, its key id is unknown, it was altered, or `aad` differs.
   */
  open(sealed: string, aad = ''): string {
    const { keyId, iv, ciphertext, tag } = this.parse(sealed);
    const key = this.ring.keys.get(keyId);
    if (!key)
      throw new SecretBoxError('unknown-key', `The sealed value uses key "${keyId}", which is not in the key ring`);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(this.aadFor(keyId, aad));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'unauthentic',
        'The sealed value does not authenticate: it was altered or belongs to other data',
      );
    }
  }

  /**
   * True when `sealed` was made under another key than the current primary one: open it and seal it
   * again to finish a rotation. False for malformed values (open would refuse those anyway).
   */
  needsReseal(sealed: string): boolean {
    try {
      return this.parse(sealed).keyId !== this.ring.primary;
    } catch {
      return false;
    }
  }

  private aadFor(keyId: string, aad: string): Buffer {
    return Buffer.from(`${VERSION}.${keyId}.${aad}`, 'utf8');
  }

  private parse(sealed: string): { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer } {
    const malformed = () =>
      new SecretBoxError('malformed', 'The sealed value is not in the v1.<keyId>.<iv>.<ciphertext>.<tag> format');
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION || !KEY_ID.test(parts[1])) throw malformed();
    const [iv, ciphertext, tag] = parts.slice(2).map((p) => {
      const bytes = Buffer.from(p, 'base64url');
      // Canonical encodings only: Node's decoder skips stray characters and ignores trailing bits.
      if (!BASE64URL.test(p) || bytes.toString('base64url') !== p) throw malformed();
      return bytes;
    });
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw malformed();
    return { keyId: parts[1], iv, ciphertext, tag };
  }
}
