import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
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

/** A record as one read found it: its data (as `get` gives it) and the text stored. */
export interface StoredSession {
  data: SessionData;
  /** The stored JSON; `serialize(data)` gives the same text while the data is unchanged. */
  text: string;
}

/** What {@link RedisSessionStore.prime} holds for express-session's next call. */
interface Primed {
  sid: string;
  data: SessionData | null;
  session?: Session;
}

/**
 * connect-redis with two guarantees it lacks:
 * - every call has a deadline, so a frozen Redis gives a fast failure (503) instead of a hang;
 * - a write-back of a session that was read from Redis only updates it if it still exists
 *   (`SET XX`), so a request finishing after a logout or an id rotation cannot bring the old
 *   record back. New sessions (after `regenerate`) are written normally.
 * Records are stored without express-session's cookie copy (the cookie settings are global), and
 * a write identical to the one just made for the same session object is skipped (express-session
 * saves again at the end of a request whose id was rotated and already saved).
 *
 * For `SessionMiddleware`'s lean read it also offers {@link readRecord} (one `GET`, the stored text
 * kept to detect changes) and {@link prime} (hands that read to express-session, so the write path
 * needs no second `GET`).
 */
export class RedisSessionStore extends RedisStore {
  protected readonly fields?: SessionFields;
  protected readonly index?: RedisSessionIndex;
  protected readonly absoluteEnd?: (sess: SessionData) => number;
  private primed?: Primed;
  private adopting?: Session;
  /** A new session on `req` (new id, new cookie): set by express-session on the store it is given. */
  declare generate: (req: Express.Request) => void;

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
          const data = record as Record<string, unknown>;
          data.cookie = {};
          data[LOADED] = true;
          return data as unknown as SessionData;
        },
      },
    });
    this.fields = opts.fields;
    this.index = opts.index;
    this.absoluteEnd = opts.absoluteEnd;
  }

  override get(sid: string, cb?: Callback) {
    const primed = this.primed;
    if (primed?.sid === sid && cb) {
      // Synchronous on purpose: express-session then sets the request's session before it returns.
      this.primed = undefined;
      this.adopting = primed.session;
      try {
        cb(null, primed.data);
      } finally {
        this.adopting = undefined;
      }
      return Promise.resolve(primed.data ?? undefined);
    }
    return settle(withDeadline(this.read(sid)), cb);
  }

  /** express-session's inflate of a primed read keeps the live session object instead of a copy. */
  override createSession(req: Request, data: SessionData) {
    const live = this.adopting;
    if (!live) return super.createSession(req, data);
    this.adopting = undefined;
    req.session = live;
    return live as Session & SessionData;
  }

  /**
   * One read of `sid` (under the deadline): the record and its stored text, or null when there is
   * none or it is unusable (an unusable one is deleted, as in `get`).
   * @throws when Redis fails or does not answer in time
   */
  readRecord(sid: string): Promise<StoredSession | null> {
    return withDeadline(this.readStored(sid));
  }

  /** The text `data` is stored as: equal to a {@link StoredSession}'s `text` while its data is unchanged. */
  serialize(data: SessionData): string {
    return this.serializer.stringify(data);
  }

  /**
   * Makes express-session's next `get(sid)` answer `data` at once (`null`: no record), and its
   * inflate of that answer adopt `session` (the object the request already holds) as `req.session`.
   * Cleared by that `get`, or by {@link unprime} when the call did not come.
   */
  prime(sid: string, data: SessionData | null, session?: Session): void {
    this.primed = { sid, data, session };
  }

  /** Drops what {@link prime} held if express-session did not take it (called after each handover). */
  unprime(): void {
    this.primed = undefined;
    this.adopting = undefined;
  }

  /** Parses a stored text as `get` does. @throws when it is not a record of ours */
  parse(text: string): SessionData {
    return this.serializer.parse(text) as SessionData;
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
    return (await this.readStored(sid))?.data ?? null;
  }

  protected async readStored(sid: string): Promise<StoredSession | null> {
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
      return { data: this.parse(raw), text: raw };
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
