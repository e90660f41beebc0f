import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import { LRUCache } from 'lru-cache';

/** How many signed cookie values {@link SessionCookie} remembers (about 200 bytes each). */
export const SESSION_COOKIE_CACHE_SIZE = 10_000;
/** Slots of the filter of values verified once (a power of two; 4 bytes each). */
const SEEN_ONCE_SLOTS = 1 << 16;

/**
 * Reads the session id from a request's cookies as express-session does (`s:<id>.<HMAC-SHA256>`,
 * checked against every secret), checking each distinct cookie value's signature once: a value
 * that verified is remembered, keyed by the whole signed value, in a bounded LRU.
 *
 * A value is remembered from its second verification on (a hash of it is kept in a fixed table the
 * first time): a browser's next request finds its value, while a stream of values each seen once
 * (many sessions, each rarely back) does not churn the LRU, whose turnover costs the garbage
 * collector more than the signatures it would save. Values that fail are never remembered, so
 * forged cookies cannot crowd out real ones.
 */
export class SessionCookie {
  protected readonly verified = new LRUCache<string, string>({ max: SESSION_COOKIE_CACHE_SIZE });
  protected readonly seenOnce = new Uint32Array(SEEN_ONCE_SLOTS);

  constructor(
    readonly name: string,
    protected readonly secrets: readonly string[],
  ) {}

  /** The session id of a `Cookie` header, or undefined (no session cookie, or a bad signature). */
  sessionId(header: string | undefined): string | undefined {
    if (!header) return undefined;
    const raw = parseCookies(header)[this.name];
    if (!raw?.startsWith('s:')) return undefined;
    const known = this.verified.get(raw);
    if (known !== undefined) return known;
    for (const secret of this.secrets) {
      const sid = unsign(raw.slice(2), secret);
      if (sid !== false) {
        this.remember(raw, sid);
        return sid;
      }
    }
    return undefined;
  }

  protected remember(raw: string, sid: string): void {
    const hash = fnv1a(raw);
    const slot = hash & (SEEN_ONCE_SLOTS - 1);
    if (this.seenOnce[slot] === hash) this.verified.set(raw, sid);
    else this.seenOnce[slot] = hash;
  }
}

/** 32-bit FNV-1a of a string's UTF-16 code units (a table slot and its check; not for security). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
