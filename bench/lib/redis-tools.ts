import { randomBytes } from 'node:crypto';
import signature from 'cookie-signature';
import { createClient } from 'redis';

function newClient(url: string) {
  const client = createClient({ url });
  client.on('error', () => undefined);
  return client;
}
export type Redis = ReturnType<typeof newClient>;

export async function connectRedis(url: string): Promise<Redis> {
  const client = newClient(url);
  await client.connect();
  return client;
}

/** A field of `INFO <section>`. */
export async function infoField(redis: Redis, section: string, field: string): Promise<string | undefined> {
  const info = await redis.info(section);
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

export async function usedMemory(redis: Redis): Promise<number> {
  return Number(await infoField(redis, 'memory', 'used_memory'));
}

/** Calls per command since the server started (`INFO commandstats`), without the `info` calls themselves. */
export async function commandCounts(redis: Redis): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    if (m[1] !== 'info') out[m[1]] = Number(m[2]);
  }
  return out;
}

/** CPU seconds redis-server has used (user + system). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const f = (k: string) => Number(new RegExp(`^${k}:(\\S+)`, 'm').exec(info)?.[1] ?? 0);
  return f('used_cpu_user') + f('used_cpu_sys');
}

/** A session cookie as express-session writes it: `name=` + URI-encoded `s:<id>.<HMAC>`. */
export function signedCookie(name: string, id: string, secret: string): string {
  return `${name}=${encodeURIComponent(`s:${signature.sign(id, secret)}`)}`;
}

/** The id in a session cookie (`sid=s%3A<id>.<sig>`). */
export function sessionIdFromCookie(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}

/** What one key pattern holds after a run. */
export interface KeyPattern {
  pattern: string;
  keys: number;
  /** Keys per sign-in. */
  perSignIn: number;
  /** Seconds (-1: no expiry). */
  ttlMin: number;
  ttlMax: number;
  /** `MEMORY USAGE` average, bytes. */
  bytesAvg: number;
  type: string;
}

/** Groups keys into patterns: addresses, ids and IPs become placeholders. */
export function keyPattern(key: string): string {
  return (
    key
      .replace(/[^:]+@[^:]+/g, '<email>')
      .replace(/(\d{1,3}\.){3}\d{1,3}|::ffff:[\d.]+|::1/g, '<ip>')
      .replace(/\{[A-Za-z0-9_-]{8}\}/g, '{<tag>}')
      .replace(/^(sess:|otp:\{<tag>\}c:)[^:]+$/, '$1<id>')
      // Better Auth's per-user list of sessions (bench/peers/better-auth).
      .replace(/active-sessions-[A-Za-z0-9_-]+$/, 'active-sessions-<id>')
      .replace(/[A-Za-z0-9_-]{20,}/g, '<id>')
  );
}

/** Bytes of one signed-in session: its keys (`patterns`), each as many times as one sign-in leaves it. */
export function sessionBytes(keys: KeyPattern[], patterns: readonly string[]): number {
  return Math.round(keys.filter((k) => patterns.includes(k.pattern)).reduce((n, k) => n + k.bytesAvg * k.perSignIn, 0));
}

/** Every key in the database grouped by pattern, with counts, TTLs and average `MEMORY USAGE`. */
export async function keyCensus(redis: Redis, signIns: number): Promise<KeyPattern[]> {
  const groups = new Map<string, string[]>();
  for await (const batch of redis.scanIterator({ COUNT: 1000 })) {
    for (const key of batch) {
      const p = keyPattern(key);
      const list = groups.get(p) ?? [];
      list.push(key);
      groups.set(p, list);
    }
  }
  const out: KeyPattern[] = [];
  for (const [pattern, keys] of groups) {
    let ttlMin = Infinity;
    let ttlMax = -Infinity;
    let bytes = 0;
    let live = 0;
    let sample: string | undefined;
    for (let i = 0; i < keys.length; i += 1000) {
      const slice = keys.slice(i, i + 1000);
      const [ttls, sizes] = await Promise.all([
        Promise.all(slice.map((k) => redis.ttl(k))),
        Promise.all(slice.map((k) => redis.memoryUsage(k, { SAMPLES: 0 }))),
      ]);
      ttls.forEach((t, j) => {
        if (t === -2) return; // expired since the scan
        live++;
        sample ??= slice[j];
        ttlMin = Math.min(ttlMin, t);
        ttlMax = Math.max(ttlMax, t);
        bytes += Number(sizes[j] ?? 0);
      });
    }
    if (!live || !sample) continue;
    out.push({
      pattern,
      keys: live,
      perSignIn: Math.round((live / signIns) * 1000) / 1000,
      ttlMin,
      ttlMax,
      bytesAvg: Math.round(bytes / live),
      type: await redis.type(sample),
    });
  }
  return out.sort((a, b) => b.keys - a.keys);
}

/**
 * Writes `count` signed-in sessions in the app's record format, copied from a real one
 * (`template`, as the app stored it), each with its own id, address and CSRF token; SETs are
 * pipelined. Returns their cookies.
 */
export async function seedSessions(
  redis: Redis,
  o: {
    template: string;
    ttlSeconds: number;
    count: number;
    secret: string;
    cookieName: string;
    prefix?: string;
    tag: string;
  },
): Promise<string[]> {
  const base = JSON.parse(o.template) as Record<string, unknown> & { user?: Record<string, unknown> };
  const cookies: string[] = [];
  const now = Date.now();
  const batch = 2000;
  for (let i = 0; i < o.count; i += batch) {
    const multi = redis.multi();
    for (let j = i; j < Math.min(o.count, i + batch); j++) {
      const id = randomBytes(24).toString('base64url');
      const record: Record<string, unknown> = { ...base, createdAt: now, seenAt: now };
      if (base.user) record.user = { ...base.user, email: `seed-${o.tag}-${j}@bench.test`, authTime: now };
      // Same length and alphabet (hex) as csrf-sync's token in the template.
      if (typeof base.csrfToken === 'string') record.csrfToken = randomBytes(base.csrfToken.length / 2).toString('hex');
      multi.set(`${o.prefix ?? 'sess:'}${id}`, JSON.stringify(record), { EX: o.ttlSeconds });
      cookies.push(signedCookie(o.cookieName, id, o.secret));
    }
    await multi.execAsPipeline();
  }
  return cookies;
}

/** Password-mode accounts in the app's format: hash `user:<email>` with t (created ms) and h (argon2id). */
export async function seedAccounts(redis: Redis, emails: string[], hash: string, prefix = 'user:'): Promise<void> {
  const now = String(Date.now());
  for (let i = 0; i < emails.length; i += 2000) {
    const multi = redis.multi();
    for (const e of emails.slice(i, i + 2000)) multi.hSet(`${prefix}${e}`, { t: now, h: hash });
    await multi.execAsPipeline();
  }
}
