/**
 * The lean session read, end to end: two instances on one dedicated Redis (so every command on a
 * session key can be watched with MONITOR, and connections killed without touching other suites).
 * A request that only reads its session is one `GET` and no write; the idle refresh and any data a
 * request changes are written through express-session; a session ended on one instance is refused
 * on the other at its next request, also after the connections to Redis were cut; the idle and
 * absolute limits hold against the injected clock.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SettableClock } from '../src/testing/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { startRedisServer, type RedisProcess } from './support/redis.js';
import { sessionCookie, sessionId } from './support/session.js';

const JSON_TYPE = 'application/json';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true or `timeoutMs` has passed; returns the last result. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

interface StoredRecord {
  user?: { email: string };
  returnTo?: string;
  createdAt: number;
  seenAt: number;
}

describe('lean session read (two instances on one Redis)', () => {
  const SESSION_SECRET = randomBytes(24).toString('base64url');
  const OTP_SECRET = randomBytes(24).toString('base64url');
  const clock = new SettableClock();
  let redis: RedisProcess;
  let admin: ReturnType<typeof createClient>;
  let monitor: ReturnType<typeof createClient>;
  /** Commands on session keys (`sess:`) since the last reset, as MONITOR printed them. */
  let seen: string[] = [];
  /** The test's own connections (admin, MONITOR), spared when the apps' are cut. */
  let ownIds: number[] = [];
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = createClient({ url: redis.url });
    await admin.connect();
    monitor = createClient({ url: redis.url });
    await monitor.connect();
    ownIds = [await admin.clientId(), await monitor.clientId()];
    await monitor.monitor((line: string) => {
      if (line.includes('"sess:') || line.includes('"ECHO"')) seen.push(line.slice(line.indexOf('] ') + 2));
    });
    const env = { AUTH_FIRST_FACTOR: 'email', SESSION_SECRET, OTP_SECRET, REDIS_URL: redis.url };
    a = await createTestApp(env, { clock });
    b = await createTestApp(env, { smtp: a.smtp, clock });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    monitor?.destroy();
    admin?.destroy();
    await redis?.stop();
  });
  beforeEach(() => clock.set(Date.now()));

  const me = (t: TestApp, cookie: string) => request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', cookie);
  const record = async (id: string) => {
    const raw = await admin.get(`sess:${id}`);
    return raw === null ? null : (JSON.parse(raw) as StoredRecord);
  };
  let marks = 0;
  /** The commands on session keys since the last call, in order (MONITOR shows them all before a marker sent after them). */
  async function commands(): Promise<string[]> {
    const marker = `mark-${++marks}`;
    await admin.echo(marker);
    expect(await eventually(async () => seen.some((c) => c.includes(marker)), 5000, 10)).toBe(true);
    const at = seen.findIndex((c) => c.includes(marker));
    const out = seen.slice(0, at);
    seen = seen.slice(at + 1);
    return out;
  }

  /** A full email sign-in on `t`: the signed-in cookie and its session id. */
  async function signIn(t: TestApp, tag: string, cookie?: string): Promise<{ cookie: string; id: string }> {
    const email = uniqueEmail(tag);
    const start = request(t.http).post('/auth').send({ email });
    const started = await (cookie ? start.set('Cookie', cookie) : start);
    expect(started.status).toBe(200);
    const verified = await request(t.http)
      .post('/verify')
      .set('Cookie', sessionCookie(started))
      .send({ code: await t.codeFor(email) });
    expect(verified.status).toBe(200);
    const signedIn = sessionCookie(verified);
    return { cookie: signedIn, id: sessionId(signedIn) };
  }

  it('reads a signed-in session with one GET and writes nothing, on either instance', async () => {
    const s = await signIn(a, 'lean-read');
    await commands();
    for (const t of [a, b, b, a, b]) {
      const res = await me(t, s.cookie);
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await commands()).toEqual(Array(5).fill(`"GET" "sess:${s.id}"`));
    // The full page too: its form token needs no write either.
    const page = await request(b.http).get('/home').set('Cookie', s.cookie);
    expect(page.status).toBe(200);
    expect(await commands()).toEqual([`"GET" "sess:${s.id}"`]);
  });

  it('refreshes the idle deadline at most once per minute, through express-session, with the same id', async () => {
    const s = await signIn(a, 'lean-touch');
    const before = (await record(s.id))!;
    await commands();
    clock.advance(30_000);
    expect((await me(b, s.cookie)).status).toBe(200);
    expect(await commands()).toEqual([`"GET" "sess:${s.id}"`]);
    expect((await record(s.id))!.seenAt).toBe(before.seenAt);
    await commands();

    clock.advance(31_000);
    const touched = await me(b, s.cookie);
    expect(touched.status).toBe(200);
    expect(touched.headers['set-cookie']).toBeUndefined();
    const written = await commands();
    expect(written.filter((c) => c.startsWith('"GET"'))).toEqual([`"GET" "sess:${s.id}"`]);
    expect(written.filter((c) => c.startsWith('"SET"'))).toHaveLength(1);
    expect(written.find((c) => c.startsWith('"SET"'))).toContain('"XX"');
    const after = (await record(s.id))!;
    expect(after.seenAt).toBe(clock.now());
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.user).toEqual(before.user);

    // The refreshed record (written by express-session) is read by the lean path on the other instance.
    await commands();
    expect((await me(a, s.cookie)).status).toBe(200);
    expect(await commands()).toEqual([`"GET" "sess:${s.id}"`]);
  });

  it('saves what a read request changes: a page asked for mid-sign-in is where the sign-in ends', async () => {
    const email = uniqueEmail('lean-return');
    const started = await request(a.http).post('/auth').send({ email });
    expect(started.status).toBe(200);
    const pending = sessionCookie(started);
    const id = sessionId(pending);
    await commands();
    // A pending session (read by the lean path) asks for a protected page: the guard keeps it.
    const page = await request(b.http).get('/account/security').set('Cookie', pending);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/verify');
    expect((await record(id))!.returnTo).toBe('/account/security');
    expect((await commands()).filter((c) => c.startsWith('"SET"'))).toHaveLength(1);

    const verified = await request(a.http)
      .post('/verify')
      .set('Cookie', pending)
      .send({ code: await a.codeFor(email) });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ status: 'authenticated', next: '/account/security' });
  });

  it('refuses on instance B, at its next request, a session signed out on instance A', async () => {
    const s = await signIn(a, 'lean-logout');
    expect((await me(b, s.cookie)).status).toBe(200);
    const out = await request(a.http).post('/logout').set('Cookie', s.cookie).set('Accept', JSON_TYPE);
    expect(out.status).toBe(204);
    expect((await me(b, s.cookie)).status).toBe(401);
    expect((await me(a, s.cookie)).status).toBe(401);
    expect((await request(b.http).get('/home').set('Cookie', s.cookie)).headers.location).toBe('/auth');
  });

  it('refuses an ended session after the connections to Redis were cut, ended before or after B reconnects', async () => {
    const first = await signIn(a, 'lean-reconnect-1');
    const second = await signIn(a, 'lean-reconnect-2');
    expect((await me(b, first.cookie)).status).toBe(200);
    expect((await me(b, second.cookie)).status).toBe(200);

    // Every connection of both apps is cut; they reconnect by themselves.
    const ids = [...(await admin.clientList())].map((c) => Number(c.id)).filter((id) => !ownIds.includes(id));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]);
    // Ended on A as soon as A is back, before B made any request since the cut.
    const statusOf = async (t: TestApp, cookie: string) => (await me(t, cookie)).status;
    expect(await eventually(async () => (await statusOf(a, first.cookie)) === 200)).toBe(true);
    expect((await request(a.http).post('/logout').set('Cookie', first.cookie).send({})).status).toBe(204);
    // B's first answers after the cut may be "signed out" while it reconnects (the store failed);
    // once B reads again, the live session is back and the ended one is refused.
    expect(await eventually(async () => (await statusOf(b, second.cookie)) === 200)).toBe(true);
    expect(await statusOf(b, first.cookie)).toBe(401);

    // Ended after B reconnected: refused at once too.
    expect((await request(a.http).post('/logout').set('Cookie', second.cookie).send({})).status).toBe(204);
    expect(await statusOf(b, second.cookie)).toBe(401);
  });

  describe('limits, against the injected clock', () => {
    it('signs a session out after 30 idle minutes, deleting its record; use keeps it alive', async () => {
      const s = await signIn(a, 'lean-idle');
      clock.advance(29 * MINUTE);
      expect((await me(b, s.cookie)).status).toBe(200);
      expect((await record(s.id))!.seenAt).toBe(clock.now());
      clock.advance(29 * MINUTE);
      expect((await me(a, s.cookie)).status).toBe(200);

      clock.advance(30 * MINUTE + 1000);
      expect((await me(b, s.cookie)).status).toBe(401);
      expect(await record(s.id)).toBeNull();
      expect((await me(a, s.cookie)).status).toBe(401);
    });

    it('ends a session 12 hours after sign-in however recently it was used; the record never outlives that', async () => {
      const s = await signIn(a, 'lean-absolute');
      const createdAt = (await record(s.id))!.createdAt;
      expect(createdAt).toBe(clock.now());
      for (let turn = 0; clock.now() + 25 * MINUTE < createdAt + 12 * HOUR; turn++) {
        clock.advance(25 * MINUTE);
        expect((await me(turn % 2 ? a : b, s.cookie)).status).toBe(200);
      }
      // The last refresh set a TTL that ends with the absolute limit, not 30 minutes later.
      const left = createdAt + 12 * HOUR - clock.now();
      expect(left).toBeLessThan(25 * MINUTE);
      expect((await record(s.id))!.seenAt).toBe(clock.now());
      const ttl = await admin.pTTL(`sess:${s.id}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(left + 1000);

      clock.set(createdAt + 12 * HOUR + 1);
      expect((await me(b, s.cookie)).status).toBe(401);
      expect(await record(s.id)).toBeNull();
    });
  });

  it('answers 401 and writes nothing for a cookie whose signature does not match', async () => {
    const s = await signIn(a, 'lean-forged');
    const value = decodeURIComponent(s.cookie.slice('sid='.length));
    const forged = `sid=${encodeURIComponent(`${value.slice(0, -4)}AAAA`)}`;
    const otherSecret = `sid=${encodeURIComponent(`s:${s.id}.${randomBytes(32).toString('base64').replace(/=+$/, '')}`)}`;
    await commands();
    for (const cookie of [forged, otherSecret, `sid=${s.id}`]) {
      const res: Response = await me(b, cookie);
      expect(res.status).toBe(401);
    }
    expect(await commands()).toEqual([]);
    expect((await me(b, s.cookie)).status).toBe(200);
  });
});
