/**
 * Broken session records, end to end against the real app and Redis. A `sess:<id>` value that is
 * not a record this server wrote (a JSON object of another shape, a JSON array or number, an empty
 * string, random bytes) or a key of another Redis type (hash, list, set) is "no session": the key
 * is deleted, a new id replaces it, the browser holding the cookie can sign in as if it had none,
 * and no request answers 5xx because of it; a signed-in record cut short or with a field of the wrong
 * shape signs nobody in. A well-formed signed-in record is read (the lean read takes it as
 * express-session would), but only under a cookie with its signature: a forged one is "no session"
 * and leaves the record alone. In email mode and in password mode.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sign } from 'cookie-signature';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { testRedisUrl } from './support/redis.js';
import { sessionCookie, sessionId } from './support/session.js';

const JSON_TYPE = 'application/json';
const HTML_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';
const PASSWORD = 'correct horse battery staple';
/** Broken values are written with a TTL, so a failed run leaves nothing behind for long. */
const TTL_SECONDS = 600;

type Agent = ReturnType<TestApp['agent']>;
type Mode = 'email' | 'password';

let redis: ReturnType<typeof createClient>;
beforeAll(async () => {
  redis = createClient({ url: testRedisUrl() });
  await redis.connect();
});
afterAll(() => redis?.destroy());

/** Writes a string value under `key` (replacing whatever is there). */
async function putString(key: string, value: string | Buffer): Promise<void> {
  await redis.del(key);
  await redis.set(key, value, { expiration: { type: 'EX', value: TTL_SECONDS } });
}

/** A value that is not a session record, and the Redis type its key has once written. */
interface Variant {
  name: string;
  type: 'string' | 'hash' | 'list' | 'set';
  write(key: string): Promise<void>;
}

/** A record as this server writes it (`createdAt`, `seenAt`), with `extra` fields merged in. */
const record = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ createdAt: Date.now(), seenAt: Date.now(), ...extra });

/** A signed-in user as the session keeps it (it passes every factor a mode asks for). */
const signedInUser = () => ({
  email: 'someone@example.com',
  factors: ['pwd', 'email_otp'],
  aal: 2,
  amr: ['pwd', 'otp', 'mfa'],
  authTime: Date.now(),
});

const VARIANTS: Variant[] = [
  {
    name: 'a JSON object of another shape ({"cookie":"legacy"})',
    type: 'string',
    write: (k) => putString(k, '{"cookie":"legacy"}'),
  },
  {
    name: 'a JSON object whose createdAt is a string',
    type: 'string',
    write: (k) => putString(k, '{"createdAt":"yesterday"}'),
  },
  {
    name: 'a record whose user is {"email":1}',
    type: 'string',
    write: (k) => putString(k, record({ user: { email: 1 } })),
  },
  {
    name: 'a record whose pending is a string',
    type: 'string',
    write: (k) => putString(k, record({ pending: 'challenge-id' })),
  },
  {
    name: 'a signed-in record cut short',
    type: 'string',
    write: (k) => putString(k, record({ user: signedInUser() }).slice(0, -2)),
  },
  {
    name: 'a signed-in record whose seenAt is a string',
    type: 'string',
    write: (k) => putString(k, JSON.stringify({ user: signedInUser(), createdAt: Date.now(), seenAt: 'now' })),
  },
  { name: 'a JSON array (of a valid record)', type: 'string', write: (k) => putString(k, `[${record()}]`) },
  { name: 'a JSON number', type: 'string', write: (k) => putString(k, String(Date.now())) },
  {
    name: 'a Redis hash (HSET)',
    type: 'hash',
    write: async (k) => {
      await redis.del(k);
      await redis.hSet(k, { createdAt: String(Date.now()), seenAt: String(Date.now()) });
      await redis.expire(k, TTL_SECONDS);
    },
  },
  {
    name: 'a Redis list (RPUSH)',
    type: 'list',
    write: async (k) => {
      await redis.del(k);
      await redis.rPush(k, record());
      await redis.expire(k, TTL_SECONDS);
    },
  },
  {
    name: 'a Redis set (SADD)',
    type: 'set',
    write: async (k) => {
      await redis.del(k);
      await redis.sAdd(k, record());
      await redis.expire(k, TTL_SECONDS);
    },
  },
  { name: 'an empty string', type: 'string', write: (k) => putString(k, '') },
  { name: '100 KB of random bytes', type: 'string', write: (k) => putString(k, randomBytes(100 * 1024)) },
];

/** The `_csrf` hidden input of a page. */
function csrfFrom(html: string): string {
  const token = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html)?.[1];
  if (!token) throw new Error(`No _csrf input in the page:\n${html}`);
  return token;
}

/** Posts a form as a browser does (URL-encoded, no JSON in Accept). */
const postForm = (agent: Agent, path: string, fields: Record<string, string>) =>
  agent.post(path).type('form').set('Accept', HTML_ACCEPT).send(fields);

/**
 * Records every answer `t`'s HTTP server sends (through supertest agents and plain requests alike),
 * so each test can check that none was a 5xx.
 */
function recordAnswers(t: TestApp, into: string[]): void {
  t.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => into.push(`${req.method} ${req.url} -> ${res.statusCode}`));
  });
}

for (const mode of ['email', 'password'] as const satisfies Mode[]) {
  describe(`${mode} mode`, () => {
    let t: TestApp;
    /** Answers sent during the current test. */
    const seen: string[] = [];

    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: mode });
      recordAnswers(t, seen);
    });
    afterAll(() => t?.close());

    afterEach(() => {
      const answers = seen.splice(0);
      expect(answers.length, 'the test made requests').toBeGreaterThan(0);
      expect(
        answers.filter((s) => Number(s.slice(s.lastIndexOf(' ') + 1)) >= 500),
        'answers with a 5xx status',
      ).toEqual([]);
    });

    /** A fresh address; in password mode, an account with PASSWORD. */
    async function account(tag: string): Promise<string> {
      const email = uniqueEmail(tag);
      if (mode === 'password') {
        const passwordHash = await t.app.get(PasswordService).hash(PASSWORD);
        expect(await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() })).toBe(true);
      }
      return email;
    }

    const signInFields = (email: string): Record<string, string> =>
      mode === 'password' ? { email, password: PASSWORD } : { email };

    /**
     * A session stored by a signed-out `GET /home` (it keeps the page to return to), then overwritten
     * with `variant`: its cookie and key.
     */
    async function brokenSession(variant: Variant, agent?: Agent): Promise<{ cookie: string; key: string }> {
      const res = await (agent ?? request(t.http)).get('/home');
      expect(res.status).toBe(303);
      const cookie = sessionCookie(res);
      const key = `sess:${sessionId(cookie)}`;
      expect(await redis.exists(key), 'GET /home stored a session').toBe(1);
      await variant.write(key);
      expect(await redis.type(key), `${variant.name} is written`).toBe(variant.type);
      return { cookie, key };
    }

    it('signs in a well-formed signed-in record written by hand, but not under a forged cookie', async () => {
      const id = randomBytes(24).toString('base64url');
      const key = `sess:${id}`;
      await putString(key, record({ user: signedInUser() }));
      const secret = t.config.sessionSecrets[0];
      const good = `sid=${encodeURIComponent(`s:${sign(id, secret)}`)}`;
      const forged = [
        `sid=${encodeURIComponent(`s:${sign(id, randomBytes(32).toString('base64url'))}`)}`,
        `sid=${encodeURIComponent(`s:${sign(id, secret).slice(0, -3)}AAA`)}`,
        `sid=${id}`,
      ];
      for (const cookie of forged) {
        const res = await request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', cookie);
        expect(res.status, cookie).toBe(401);
      }
      expect(await redis.exists(key), 'a forged cookie leaves the record alone').toBe(1);
      const res = await request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', good);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ email: 'someone@example.com', aal: 2 });
      await redis.del(key);
    });

    it('keeps a well-formed record written by hand (the control: only broken records are dropped)', async () => {
      const { cookie, key } = await brokenSession({
        name: 'a valid record',
        type: 'string',
        write: (k) => putString(k, record({ returnTo: '/home' })),
      });
      const page = await request(t.http).get('/auth').set('Cookie', cookie);
      expect(page.status).toBe(200);
      expect(await redis.exists(key)).toBe(1);
      const renewed = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('sid='));
      if (renewed) expect(sessionId(renewed.split(';')[0])).toBe(sessionId(cookie));
    });

    it.each(VARIANTS)(
      '$name under a live cookie: the same browser gets a new session and signs in and out',
      async (variant) => {
        const v = variant.name;
        const agent = t.agent();
        const { cookie, key } = await brokenSession(variant, agent);

        const page = await agent.get('/auth');
        expect(page.status, `${v}: GET /auth`).toBe(200);
        expect(await redis.exists(key), `${v}: the broken key is deleted`).toBe(0);
        // The sign-in page stores nothing: the new session starts with the form's post.
        const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
        expect(
          cookies.filter((c) => c.startsWith('sid=')),
          `${v}: no session cookie yet`,
        ).toEqual([]);

        const email = await account('broken-flow');
        const started = await postForm(agent, '/auth', { _csrf: csrfFrom(page.text), ...signInFields(email) });
        expect(started.status, `${v}: POST /auth (form)`).toBe(303);
        expect(started.headers.location, v).toBe('/verify');
        const renewed = sessionCookie(started);
        expect(sessionId(renewed), `${v}: a new session id`).not.toBe(sessionId(cookie));
        expect(await redis.exists(`sess:${sessionId(renewed)}`), `${v}: the new session is stored`).toBe(1);

        const codePage = await agent.get('/verify');
        expect(codePage.status, `${v}: GET /verify`).toBe(200);
        const verified = await postForm(agent, '/verify', {
          _csrf: csrfFrom(codePage.text),
          code: await t.codeFor(email),
        });
        expect(verified.status, `${v}: POST /verify (form)`).toBe(303);
        expect(verified.headers.location, v).toBe('/home');
        const signedIn = `sess:${sessionId(sessionCookie(verified))}`;
        expect(await redis.exists(signedIn), v).toBe(1);

        const who = await agent.get('/me').set('Accept', JSON_TYPE);
        expect(who.status, `${v}: GET /me`).toBe(200);
        expect(who.body, v).toMatchObject({ email, aal: mode === 'password' ? 2 : 1 });

        const out = await agent.post('/logout').send({});
        expect(out.status, `${v}: POST /logout (JSON)`).toBe(204);
        expect(await redis.exists(signedIn), `${v}: logout deletes the session`).toBe(0);
        expect((await agent.get('/me').set('Accept', JSON_TYPE)).status, `${v}: signed out`).toBe(401);
      },
    );

    it.each(VARIANTS)(
      '$name: a JSON POST /auth straight away with the broken cookie starts a challenge',
      async (variant) => {
        const v = variant.name;
        const { cookie, key } = await brokenSession(variant);
        const email = await account('broken-post');
        const res = await request(t.http).post('/auth').set('Cookie', cookie).send(signInFields(email));
        expect(res.status, `${v}: POST /auth (JSON)`).toBe(200);
        expect(res.body, v).toMatchObject({ status: 'code_sent', next: '/verify' });
        expect(sessionId(sessionCookie(res)), `${v}: a new session id`).not.toBe(sessionId(cookie));
        expect(await redis.exists(key), `${v}: the broken key is deleted`).toBe(0);
        expect((await t.mailTo(email)).code, `${v}: the code is mailed`).toMatch(/^\d{6}$/);
      },
    );

    it.each(VARIANTS)(
      '$name: a JSON POST /logout straight away with the broken cookie answers 204',
      async (variant) => {
        const v = variant.name;
        const { cookie, key } = await brokenSession(variant);
        const res = await request(t.http).post('/logout').set('Cookie', cookie).send({});
        expect(res.status, `${v}: POST /logout (JSON)`).toBe(204);
        expect(await redis.exists(key), `${v}: the broken key is deleted`).toBe(0);
      },
    );

    it.each(VARIANTS)('$name: GET /home with the broken cookie goes to the sign-in page', async (variant) => {
      const v = variant.name;
      const { cookie, key } = await brokenSession(variant);
      const page = await request(t.http).get('/home').set('Cookie', cookie);
      expect(page.status, `${v}: GET /home`).toBe(303);
      expect(page.headers.location, v).toBe('/auth');
      expect(await redis.exists(key), `${v}: the broken key is deleted`).toBe(0);
      const json = await request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', cookie);
      expect(json.status, `${v}: GET /me`).toBe(401);
      expect(json.body, v).toMatchObject({ error: 'unauthenticated' });
    });
  });
}
