import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import { LRUCache } from 'lru-cache';

/** How many signed cookie values {@link SessionCookie} remembers (about 200 bytes each). */
export const SESSION_COOKIE_CACHE_SIZE = 10_000;

/**
 * Reads the session id from a request's cookies as express-session does (`s:<id>.<HMAC-SHA256>`,
 * checked against every secret), checking each distinct cookie value's signature once: a value that
 * verified is remembered, keyed by the whole signed value, in a bounded LRU. Values that fail are
 * never remembered, so forged cookies cannot crowd out real ones.
 */
export class SessionCookie {
  protected readonly verified = new LRUCache<string, string>({ max: SESSION_COOKIE_CACHE_SIZE });

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
        this.verified.set(raw, sid);
        return sid;
      }
    }
    return undefined;
  }
}
