/**
 * Security rules about sessions, end to end against the real app and Redis: the id is rotated at
 * every privilege change and the old record deleted, fixation fails, cookie flags (http and
 * https behind a TLS proxy), broken or forged cookies are "signed out" and never an error, the
 * idle and absolute limits (by ageing the JSON record at `sess:<id>`), and logout.
 */
import { createHmac, randomBytes } from 'node:crypto';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { type RedisClient } from '../src/redis/index.js';
import { connectTestRedis } from './support/redis.js';

/** `METHOD /path -> status` of an answer, for failure messages (supertest keeps the request, untyped). */
function what(res: Response): string {
  const req = (res as unknown as { req: { method: string; path: string } }).req;
  return `${req.method} ${req.path} -> ${res.status}`;
}

const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The raw Set-Cookie line for `name`, if the answer set it. */
function setCookieLine(res: Response, name = 'sid'): string | undefined {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
}

/** `name=value` of the cookie the answer set, as a browser would send it back. */
function cookieOf(res: Response, name = 'sid'): string {
  const line = setCookieLine(res, name);
  if (!line) throw new Error(`no ${name} cookie set by ${what(res)}`);
  return line.split(';')[0];
}

/** The session id inside a `name=s:<id>.<signature>` cookie. */
function idOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}

/** A cookie value signed as express-session signs it (cookie-signature: HMAC-SHA256, base64 without padding). */
function signedCookie(name: string, id: string, secret: string): string {
  const sig = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  return `${name}=${encodeURIComponent(`s:${id}.${sig}`)}`;
}

/** Cookie flags of a Set-Cookie line, lower-cased, without the name=value pair. */
function flagsOf(line: string): Map<string, string> {
  return new Map(
    line
      .split(';')
      .slice(1)
      .map((part) => {
        const [k, ...v] = part.trim().split('=');
        return [k.toLowerCase(), v.join('=')] as const;
      }),
  );
}

let redis: RedisClient;
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(() => redis?.destroy());

interface SessionRecord {
  user?: { email: string; aal: number; amr: string[] };
  pending?: { id: string; factors: string[] };
  createdAt?: number;
  seenAt?: number;
  [k: string]: unknown;
}

const readRecord = async (id: string) => {
  const raw = await redis.get(`sess:${id}`);
  return raw === null ? null : (JSON.parse(raw) as SessionRecord);
};

/** Rewrites part of a stored session, keeping its TTL. */
async function patchRecord(id: string, patch: Partial<SessionRecord>) {
  const record = await readRecord(id);
  expect(record).not.toBeNull();
  await redis.set(`sess:${id}`, JSON.stringify({ ...record, ...patch }), { expiration: 'KEEPTTL' });
}

describe('password mode over http', () => {
  let t: TestApp;
  const http = () => request(t.http);
  const me = (cookie?: string) => {
    const req = http().get('/me').set('Accept', 'application/json');
    return cookie ? req.set('Cookie', cookie) : req;
  };
  const home = (cookie: string) => http().get('/home').set('Cookie', cookie);

  async function newUser(tag: string) {
    const email = uniqueEmail(tag);
    const passwordHash = await t.app.get(PasswordService).hash(PASSWORD);
    expect(await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() })).toBe(true);
    return email;
  }

  /**
   * A stored signed-out session: a page that needs sign-in keeps the page to return to (the sign-in
   * page itself stores nothing).
   */
  const signedOutSession = async () => cookieOf(await http().get('/home'));

  /** A full sign-in with a hand-held cookie (a signed-out session), recording the cookie after each step. */
  async function signIn(tag: string, initialCookie?: string) {
    const email = await newUser(tag);
    const before = initialCookie ?? (await signedOutSession());
    const page = await http().get('/auth').set('Cookie', before);
    expect(page.status).toBe(200);
    const started = await http().post('/auth').set('Cookie', before).send({ email, password: PASSWORD });
    expect(started.status).toBe(200);
    const pending = cookieOf(started);
    const verified = await http()
      .post('/verify')
      .set('Cookie', pending)
      .send({ code: await t.codeFor(email) });
    expect(verified.status).toBe(200);
    return { email, before, pending, after: cookieOf(verified), started, verified };
  }

  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password' });
  });
  afterAll(() => t.close());

  describe('rotation', () => {
    it('issues a new session id at the challenge start and at the verified code, deleting the old records', async () => {
      const s = await signIn('rotation');
      const [id0, id1, id2] = [idOf(s.before), idOf(s.pending), idOf(s.after)];
      expect(new Set([id0, id1, id2]).size).toBe(3);
      expect(await redis.exists([`sess:${id0}`, `sess:${id1}`])).toBe(0);
      const record = await readRecord(id2);
      expect(record?.user).toMatchObject({ email: s.email, aal: 2, amr: ['pwd', 'otp', 'mfa'] });
      expect(record).not.toHaveProperty('pending');
      // The replaced ids are worth nothing; the new one is signed in.
      for (const old of [s.before, s.pending]) expect((await me(old)).status).toBe(401);
      expect((await me(s.after)).status).toBe(200);
    });

    it('keeps the half-way session (password passed, code pending) signed out', async () => {
      const email = await newUser('half-way');
      const started = await http().post('/auth').send({ email, password: PASSWORD });
      const cookie = cookieOf(started);
      const record = await readRecord(idOf(cookie));
      expect(record?.pending?.factors).toEqual(['pwd']);
      expect(record).not.toHaveProperty('user');
      expect((await me(cookie)).status).toBe(401);
      // A page goes to the code page while a challenge is pending, to the sign-in page otherwise.
      const page = await home(cookie);
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/verify');
      const none = await http().get('/home');
      expect(none.status).toBe(303);
      expect(none.headers.location).toBe('/auth');
    });

    it('defeats session fixation: a cookie planted before sign-in never becomes signed in', async () => {
      // The attacker gets a real (signed-out) session cookie and plants it in the victim's browser.
      const planted = await signedOutSession();
      const victim = await signIn('fixation', planted);
      expect(victim.pending).not.toBe(planted);
      expect(idOf(victim.after)).not.toBe(idOf(planted));
      expect(await redis.exists(`sess:${idOf(planted)}`)).toBe(0);
      const attacker = await me(planted);
      expect(attacker.status).toBe(401);
      expect((await home(planted)).headers.location).toBe('/auth');
      expect((await me(victim.after)).status).toBe(200);

      // An id the attacker chose (unsigned) is not taken over either.
      const chosen = 'sid=attacker-chosen-session-id';
      const started = await http()
        .post('/auth')
        .set('Cookie', chosen)
        .send({ email: await newUser('chosen'), password: PASSWORD });
      expect(started.status).toBe(200);
      expect(idOf(cookieOf(started))).not.toContain('attacker');
      expect(await redis.exists('sess:attacker-chosen-session-id')).toBe(0);
    });
  });

  describe('cookie', () => {
    it('is HttpOnly, SameSite=Lax, Path=/, host-only, a browser-session cookie, and not Secure on http', async () => {
      const s = await signIn('flags');
      for (const res of [s.started, s.verified]) {
        const line = setCookieLine(res)!;
        const flags = flagsOf(line);
        expect(flags.has('httponly')).toBe(true);
        expect(flags.get('samesite')).toBe('Lax');
        expect(flags.get('path')).toBe('/');
        expect(flags.has('secure')).toBe(false);
        expect(flags.has('domain')).toBe(false);
        expect(flags.has('expires') || flags.has('max-age')).toBe(false);
      }
    });

    it('treats a broken or forged cookie as signed out: 401 or 303, never 500, and sign-in still works', async () => {
      const s = await signIn('forged');
      const id = idOf(s.after);
      const value = decodeURIComponent(s.after.slice('sid='.length));
      const forged = [
        'sid=garbage',
        'sid=s%3Aabc.def',
        'sid=s%3A',
        'sid=%E0%A4%A',
        `sid=${'a'.repeat(4000)}`,
        `sid=${encodeURIComponent(`${value.slice(0, -3)}AAA`)}`, // the real id, a tampered signature
        `sid=${encodeURIComponent(`s:${id}`)}`, // the real id, unsigned
        signedCookie('sid', id, randomBytes(32).toString('base64url')), // the real id, signed with another secret
      ];
      for (const cookie of forged) {
        const json = await me(cookie);
        expect(json.status, cookie).toBe(401);
        expect(json.body.error, cookie).toBe('unauthenticated');
        const page = await home(cookie);
        expect(page.status, cookie).toBe(303);
        expect(page.headers.location, cookie).toBe('/auth');
      }
      const fresh = await http()
        .post('/auth')
        .set('Cookie', 'sid=garbage')
        .send({ email: await newUser('after-forged'), password: PASSWORD });
      expect(fresh.status).toBe(200);
      // The real cookie still works: forgeries of it did no harm.
      expect((await me(s.after)).status).toBe(200);
    });

    it('treats an unreadable session record as signed out, never as an error page', async () => {
      const s = await signIn('corrupt');
      await redis.set(`sess:${idOf(s.after)}`, '{not json', { expiration: 'KEEPTTL' });
      const json = await me(s.after);
      expect(json.status).toBe(401);
      const page = await home(s.after);
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/auth');
      // The unreadable record is dropped, so the same browser can sign in again.
      const again = await http()
        .post('/auth')
        .set('Cookie', s.after)
        .send({ email: await newUser('corrupt-again'), password: PASSWORD });
      expect(again.status).toBe(200);
    });
  });

  describe('limits', () => {
    it('signs an idle session out after 30 minutes and deletes its record', async () => {
      const s = await signIn('idle');
      const id = idOf(s.after);
      const now = Date.now();
      await patchRecord(id, { createdAt: now - 31 * MINUTE, seenAt: now - 31 * MINUTE });
      const res = await me(s.after);
      expect(res.status).toBe(401);
      expect(await redis.exists(`sess:${id}`)).toBe(0);
      expect((await home(s.after)).headers.location).toBe('/auth');
    });

    it('refreshes the idle deadline on use, but never past the absolute limit of 12 hours', async () => {
      const s = await signIn('absolute');
      const id = idOf(s.after);
      const createdAt = Date.now() - 12 * HOUR + 2 * MINUTE; // two minutes of life left
      await patchRecord(id, { createdAt, seenAt: Date.now() - 29 * MINUTE });
      // Idle for 29 minutes: still signed in, and the visit is recorded...
      expect((await me(s.after)).status).toBe(200);
      const touched = await readRecord(id);
      expect(touched?.seenAt).toBeGreaterThan(Date.now() - 5000);
      // ...without moving the start, and the record expires with the absolute limit, not 30 minutes later.
      expect(touched?.createdAt).toBe(createdAt);
      const ttl = await redis.pTTL(`sess:${id}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * MINUTE + 1000);

      // Past 12 hours the session ends, however recently it was used.
      await patchRecord(id, { createdAt: Date.now() - 12 * HOUR - 1000, seenAt: Date.now() });
      expect((await me(s.after)).status).toBe(401);
      expect(await redis.exists(`sess:${id}`)).toBe(0);
    });
  });

  describe('logout', () => {
    it('deletes the record, so a copy of the old cookie is worthless', async () => {
      const s = await signIn('logout');
      const res = await http().post('/logout').set('Cookie', s.after).set('Accept', 'application/json');
      expect(res.status).toBe(204);
      expect(await redis.exists(`sess:${idOf(s.after)}`)).toBe(0);
      expect((await me(s.after)).status).toBe(401);
    });
  });
});

describe('https deployment (APP_URL https, behind a TLS proxy with TRUST_PROXY=1)', () => {
  let t: TestApp;
  const COOKIE = '__Host-sid';
  // What the TLS-terminating proxy adds to every request it forwards.
  const viaProxy = (req: request.Test) => req.set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', '203.0.113.7');

  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', APP_URL: 'https://app.example.test', TRUST_PROXY: '1' });
  });
  afterAll(() => t.close());

  it('signs in with a __Host- cookie that is Secure, HttpOnly, SameSite=Lax, Path=/ and host-only', async () => {
    const email = uniqueEmail('https');
    const page = await viaProxy(request(t.http).get('/auth'));
    expect(page.status).toBe(200);
    expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(page.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    // The sign-in page starts no session; its form's CSRF cookie has the same flags.
    expect(setCookieLine(page, COOKIE)).toBeUndefined();
    const csrfFlags = flagsOf(setCookieLine(page, '__Host-csrf')!);
    expect(csrfFlags.has('secure')).toBe(true);
    expect(csrfFlags.has('httponly')).toBe(true);
    expect(csrfFlags.get('samesite')).toBe('Lax');
    expect(csrfFlags.get('path')).toBe('/');
    expect(csrfFlags.has('domain')).toBe(false);
    expect(csrfFlags.has('expires') || csrfFlags.has('max-age')).toBe(false);
    const started = await viaProxy(request(t.http).post('/auth'))
      .set('Origin', 'https://app.example.test')
      .send({ email });
    expect(started.status).toBe(200);
    expect(setCookieLine(started, 'sid')).toBeUndefined();
    const line = setCookieLine(started, COOKIE)!;
    const flags = flagsOf(line);
    expect(flags.has('secure')).toBe(true);
    expect(flags.has('httponly')).toBe(true);
    expect(flags.get('samesite')).toBe('Lax');
    expect(flags.get('path')).toBe('/');
    expect(flags.has('domain')).toBe(false); // required by the __Host- prefix

    const verified = await viaProxy(request(t.http).post('/verify'))
      .set('Cookie', cookieOf(started, COOKIE))
      .send({ code: await t.codeFor(email) });
    expect(verified.status).toBe(200);
    const signedIn = cookieOf(verified, COOKIE);
    expect(flagsOf(setCookieLine(verified, COOKIE)!).has('secure')).toBe(true);
    const me = await viaProxy(request(t.http).get('/me')).set('Accept', 'application/json').set('Cookie', signedIn);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);
    // The http cookie name means nothing here.
    const renamed = signedIn.replace(`${COOKIE}=`, 'sid=');
    expect(
      (await viaProxy(request(t.http).get('/me')).set('Accept', 'application/json').set('Cookie', renamed)).status,
    ).toBe(401);
  });

  it('never sends the session cookie over plain http', async () => {
    const page = await request(t.http).get('/auth');
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    const started = await request(t.http)
      .post('/auth')
      .send({ email: uniqueEmail('plain-http') });
    expect(started.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a POST whose Origin is the http variant of the public URL', async () => {
    const res = await viaProxy(request(t.http).post('/auth'))
      .set('Origin', 'http://app.example.test')
      .send({ email: uniqueEmail('mixed') });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('cross_site_request');
  });
});
