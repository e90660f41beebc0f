import { Logger, type Provider } from '@nestjs/common';
import { RedisStore } from 'connect-redis';
import session, { MemoryStore, type SessionData, type Store } from 'express-session';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { SESSION_MODULE_OPTIONS, type SessionModuleOptions } from './session.module-definition.js';

/** Resolved session policy (ms). */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  touchAfterMs: number;
  cookieName: string;
  secure: boolean;
}

export const SESSION_POLICY = Symbol('SESSION_POLICY');
export const SESSION_HANDLER = Symbol('SESSION_HANDLER');

export function resolvePolicy(o: SessionModuleOptions): SessionPolicy {
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
  };
}

/** Seconds a record should live in the store: the idle window (plus slack) capped by the absolute end. */
export function recordTtlSeconds(sess: SessionData, p: SessionPolicy, now = Date.now()): number {
  const idle = p.idleMs + p.touchAfterMs;
  const absoluteLeft = (sess.createdAt ?? now) + p.absoluteMs - now;
  return Math.max(1, Math.ceil(Math.min(idle, absoluteLeft) / 1000));
}

/** The session record without express-session's cookie copy: the cookie settings are not per session. */
export const compactSerializer = {
  stringify: (s: SessionData) => JSON.stringify({ ...s, cookie: undefined }),
  parse: (raw: string) => ({ cookie: {}, ...(JSON.parse(raw) as object) }) as SessionData,
};

function buildStore(o: SessionModuleOptions, p: SessionPolicy, redis: RedisClient | null): Store {
  if (o.store) return o.store;
  if (!redis) {
    new Logger('Session').warn('No Redis: sessions are kept in process memory (development only)');
    return new MemoryStore();
  }
  return new RedisStore({
    client: redis,
    prefix: o.keyPrefix ?? 'sess:',
    ttl: (sess: SessionData) => recordTtlSeconds(sess, p),
    // Touch is replaced by a refresh when due (SessionPolicyMiddleware): one round trip per request.
    disableTouch: true,
    serializer: compactSerializer,
  });
}

export const sessionProviders: Provider[] = [
  { provide: SESSION_POLICY, useFactory: resolvePolicy, inject: [SESSION_MODULE_OPTIONS] },
  {
    provide: SESSION_HANDLER,
    useFactory: (o: SessionModuleOptions, p: SessionPolicy, redis: RedisClient | null) =>
      session({
        name: p.cookieName,
        secret: o.secrets,
        store: buildStore(o, p, redis),
        resave: false,
        saveUninitialized: false,
        rolling: false,
        unset: 'destroy',
        // No maxAge: a browser-session cookie; the server enforces idle and absolute limits.
        cookie: { httpOnly: true, sameSite: 'lax', secure: p.secure, path: '/' },
      }),
    inject: [SESSION_MODULE_OPTIONS, SESSION_POLICY, { token: REDIS_CLIENT, optional: true }],
  },
];
