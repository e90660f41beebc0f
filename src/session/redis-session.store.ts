import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { type RedisClient, withDeadline } from '../redis/index.js';
import type { SessionFields } from './session-fields.js';
import type { RedisSessionIndex } from './session-index.js';
import { isSessionRecord } from './session-record.js';

/** Marks a record read from Redis (never stored): its later writes must not recreate it. */
const LOADED = '__loaded';
/** The last value this store wrote for a session object (non-enumerable, never stored). */
const WRITTEN = Symbol('written');

/** True when `sess` was read from a {@link RedisSessionStore}, i.e. a record exists for it. */
export function wasLoaded(sess: object): boolean {
  return (sess as Record<string, unknown>)[LOADED] === true;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- express-session's own callback type
type Callback = (err?: any, data?: any) => void;

/**
 * connect-redis with two guarantees it lacks:
 * - every call has a deadline, so a frozen Redis gives a fast failure (503) instead of a hang;
 * - a write-back of a session that was read from Redis only updates it if it still exists
 *   (`SET XX`), so a request finishing after a logout or an id rotation cannot bring the old
 *   record back. New sessions (after `regenerate`) are written normally.
 * Records are stored without express-session's cookie copy (the cookie settings are global), and
 * a write identical to the one just made for the same session object is skipped (express-session
 * saves again at the end of a request whose id was rotated and already saved).
 */
export class RedisSessionStore extends RedisStore {
  protected readonly fields?: SessionFields;
  protected readonly index?: RedisSessionIndex;
  protected readonly absoluteEnd?: (sess: SessionData) => number;

  constructor(opts: {
    client: RedisClient;
    prefix: string;
    ttl: (sess: SessionData) => number;
    fields?: SessionFields;
    /** Keeps each owner's sessions listed (see `SessionFields.setOwner`). */
    index?: RedisSessionIndex;
    /** Epoch ms a record ends at the latest (its index entry's score). */
    absoluteEnd?: (sess: SessionData) => number;
  }) {
    super({
      client: opts.client,
      prefix: opts.prefix,
      ttl: opts.ttl,
      disableTouch: true,
      serializer: {
        stringify: (s: SessionData) => JSON.stringify({ ...s, cookie: undefined, [LOADED]: undefined }),
        parse: (raw: string) => {
          const record: unknown = JSON.parse(raw);
          if (!isSessionRecord(record, opts.fields)) throw new Error('not a session record');
          // Any stored cookie copy is ignored: the cookie settings are global.
          return { ...(record as object), cookie: {}, [LOADED]: true } as unknown as SessionData;
        },
      },
    });
    this.fields = opts.fields;
    this.index = opts.index;
    this.absoluteEnd = opts.absoluteEnd;
  }

  override get(sid: string, cb?: Callback) {
    return settle(withDeadline(this.read(sid)), cb);
  }

  override set(sid: string, sess: SessionData, cb?: Callback) {
    return settle(withDeadline(this.write(sid, sess)), cb);
  }

  override destroy(sid: string, cb?: Callback) {
    return settle(withDeadline(super.destroy(sid)), cb);
  }

  /**
   * A record that cannot be used (not JSON, not a record of ours, a key of another Redis type) is
   * no session, never an outage: it is deleted, and a new session with a new id replaces it.
   */
  protected async read(sid: string): Promise<SessionData | null> {
    const key = this.prefix + sid;
    const client = this.client as RedisClient;
    let raw: string | null;
    try {
      raw = await client.get(key);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('WRONGTYPE'))) throw err;
      await this.discard(key);
      return null;
    }
    if (raw === null) return null;
    try {
      return await this.serializer.parse(raw);
    } catch {
      await this.discard(key);
      return null;
    }
  }

  /** Best effort: a failure to delete a broken record leaves it to expire. */
  protected async discard(key: string): Promise<void> {
    await (this.client as RedisClient).del(key).catch(() => undefined);
  }

  protected async write(sid: string, sess: SessionData): Promise<void> {
    const key = this.prefix + sid;
    const ttl = typeof this.ttl === 'function' ? this.ttl(sess) : this.ttl;
    const value = this.serializer.stringify(sess);
    const marked = sess as unknown as Record<string | symbol, unknown>;
    if (marked[WRITTEN] === `${sid}|${value}`) return;
    const existing = marked[LOADED] === true;
    const client = this.client as RedisClient;
    const owner = existing ? undefined : this.fields?.ownerOf(sess);
    // The index entry first: if it fails, no record is written, so every signed-in record is
    // listed and "end every session" cannot miss one (an entry without a record is dropped on read).
    if (owner && this.index && this.absoluteEnd) await this.index.add(owner, sid, this.absoluteEnd(sess));
    await client.set(key, value, { expiration: { type: 'EX', value: ttl }, ...(existing ? { condition: 'XX' } : {}) });
    Object.defineProperty(sess, WRITTEN, {
      value: `${sid}|${value}`,
      configurable: true,
      enumerable: false,
      writable: true,
    });
  }
}

function settle<T>(p: Promise<T>, cb?: Callback): Promise<T | undefined> {
  if (!cb) return p;
  return p.then(
    (v) => {
      cb(null, v);
      return v;
    },
    (err: unknown) => {
      cb(err);
      return undefined;
    },
  );
}
