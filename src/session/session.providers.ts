import { Logger, type Provider } from '@nestjs/common';
import session, { type SessionData, type Store } from 'express-session';
import { Clock, SystemClock } from '../clock/index.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { IndexedMemoryStore } from './indexed-memory.store.js';
import { RedisSessionStore } from './redis-session.store.js';
import { MemorySessionIndex, RedisSessionIndex, SessionIndex } from './session-index.js';
import { SessionFields } from './session-fields.js';
import { setSessionClock } from './session-handle.js';
import { SESSION_MODULE_OPTIONS, type SessionModuleOptions } from './session.module-definition.js';

/** Resolved session policy (ms). */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  touchAfterMs: number;
  cookieName: string;
  secure: boolean;
  /** The time the limits are checked against and records are stamped with. */
  clock: Clock;
}

/** Token of the resolved {@link SessionPolicy}. */
export const SESSION_POLICY = Symbol('SESSION_POLICY');
/** Token of the express-session request handler that {@link SessionMiddleware} wraps. */
export const SESSION_HANDLER = Symbol('SESSION_HANDLER');

/**
 * Applies the defaults and checks the secrets. The clock is `options.clock`, else the app's
 * {@link Clock} provider when there is one (`AuthModule`'s), else the system clock.
 * @throws Error when a secret is shorter than 32 characters.
 */
export function resolvePolicy(o: SessionModuleOptions, appClock?: Clock): SessionPolicy {
  if (!o.secrets.length || o.secrets.some((s) => s.length < 32)) {
    throw new Error('SessionModule: every secret must be at least 32 characters');
  }
  return {
    idleMs: (o.idleSeconds ?? 1800) * 1000,
    absoluteMs: (o.absoluteSeconds ?? 43_200) * 1000,
    touchAfterMs: (o.touchAfterSeconds ?? 60) * 1000,
    // `__Host-` binds the cookie to this exact host, path / and https.
    cookieName: o.secure ? '__Host-sid' : 'sid',
    secure: o.secure,
    clock: o.clock ?? appClock ?? new SystemClock(),
  };
}

/** Seconds a record should live in the store: the idle window (plus slack) capped by the absolute end. */
export function recordTtlSeconds(sess: SessionData, p: SessionPolicy, now = p.clock.now()): number {
  const idle = p.idleMs + p.touchAfterMs;
  const absoluteLeft = (sess.createdAt ?? now) + p.absoluteMs - now;
  return Math.max(1, Math.ceil(Math.min(idle, absoluteLeft) / 1000));
}

/** Token of the express-session store the handler uses (read and ended by `SessionService`). */
export const SESSION_STORE = Symbol('SESSION_STORE');

function buildStore(
  o: SessionModuleOptions,
  p: SessionPolicy,
  redis: RedisClient | null,
  fields: SessionFields,
  index: SessionIndex,
): Store {
  if (o.store) return o.store;
  const absoluteEnd = (sess: SessionData) => (sess.createdAt ?? p.clock.now()) + p.absoluteMs;
  if (!redis) {
    new Logger('Session').warn('No Redis: sessions are kept in process memory (development only)');
    return new IndexedMemoryStore(fields, index, absoluteEnd);
  }
  // No touch per request: SessionMiddleware refreshes the idle deadline only when due (one round trip).
  return new RedisSessionStore({
    client: redis,
    prefix: o.keyPrefix ?? 'sess:',
    ttl: (sess: SessionData) => recordTtlSeconds(sess, p),
    fields,
    index: index instanceof RedisSessionIndex ? index : undefined,
    absoluteEnd,
  });
}

/** The policy and the express-session handler, built from the module's options. */
export const sessionProviders: Provider[] = [
  {
    provide: SESSION_POLICY,
    useFactory: resolvePolicy,
    inject: [SESSION_MODULE_OPTIONS, { token: Clock, optional: true }],
  },
  {
    provide: SessionIndex,
    useFactory: (o: SessionModuleOptions, redis: RedisClient | null) =>
      redis ? new RedisSessionIndex(redis, o.indexPrefix ?? 'si:') : new MemorySessionIndex(),
    inject: [SESSION_MODULE_OPTIONS, { token: REDIS_CLIENT, optional: true }],
  },
  {
    provide: SESSION_STORE,
    useFactory: (
      o: SessionModuleOptions,
      p: SessionPolicy,
      redis: RedisClient | null,
      fields: SessionFields,
      index: SessionIndex,
    ) => {
      const store = buildStore(o, p, redis, fields, index);
      // Sessions are stamped with the clock their limits are checked against (see SessionHandle).
      setSessionClock(store, p.clock);
      return store;
    },
    inject: [
      SESSION_MODULE_OPTIONS,
      SESSION_POLICY,
      { token: REDIS_CLIENT, optional: true },
      SessionFields,
      SessionIndex,
    ],
  },
  {
    provide: SESSION_HANDLER,
    useFactory: (o: SessionModuleOptions, p: SessionPolicy, store: Store) =>
      session({
        name: p.cookieName,
        secret: o.secrets,
        store,
        resave: false,
        saveUninitialized: false,
        rolling: false,
        // 'keep': a request whose session could not be read must not delete the record at its end;
        // logout deletes explicitly.
        unset: 'keep',
        // No maxAge: a browser-session cookie; the server enforces idle and absolute limits.
        cookie: { httpOnly: true, sameSite: 'lax', secure: p.secure, path: '/' },
      }),
    inject: [SESSION_MODULE_OPTIONS, SESSION_POLICY, SESSION_STORE],
  },
];
