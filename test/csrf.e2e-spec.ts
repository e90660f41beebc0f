/**
 * The forms of visitors without a session, end to end on a Redis of this file's own (so every key
 * and every write can be counted): a page view stores nothing and sets no session cookie, only the
 * form's CSRF cookie (a signed double-submit cookie); each form refuses a missing, altered, forged
 * or another visitor's token with 403 `csrf_invalid` and takes its own without JavaScript; the
 * session starts at the first post, and a token issued before it stops working once it exists.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { type RedisProcess, startRedisServer } from './support/redis.js';

const HTML_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';
const PASSWORD = 'correct horse battery staple';

type Agent = ReturnType<TestApp['agent']>;

/** The `_csrf` hidden input of a page. */
function csrfFrom(html: string): string {
  const token = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html)?.[1];
  if (!token) throw new Error(`No _csrf input in the page:\n${html}`);
  return token;
}

/** The names of the cookies an answer sets. */
const cookiesSet = (res: Response): string[] =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.slice(0, c.indexOf('=')));

/** `csrf=<value>` as the answer set it. */
function csrfCookie(res: Response): string {
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('csrf='));
  if (!line) throw new Error(`No csrf cookie set: ${JSON.stringify(res.headers['set-cookie'])}`);
  return line.split(';')[0];
}

/** Posts a form as a browser without JavaScript does (URL-encoded, a page's Accept). */
const postForm = (agent: Agent | request.Agent, path: string, fields: Record<string, string>) =>
  agent.post(path).type('form').set('Accept', HTML_ACCEPT).send(fields);

/** Flips the last hex digit of a token. */
const altered = (token: string) => token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');

describe('CSRF without a session (password mode)', () => {
  let redisServer: RedisProcess;
  let redis: ReturnType<typeof createClient>;
  let t: TestApp;

  /** Every key in this file's Redis. */
  async function allKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: '*', COUNT: 500 })) keys.push(...batch);
    return keys.sort();
  }

  /** Writes Redis has taken since it started (`rdb_changes_since_last_save`: persistence is off). */
  async function writes(): Promise<number> {
    const info = await redis.info('persistence');
    return Number(/^rdb_changes_since_last_save:(\d+)/m.exec(info)?.[1]);
  }

  /** Commands Redis has run since it started, but this file's own `INFO` and `SCAN`. */
  async function commands(): Promise<number> {
    let n = 0;
    for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
      if (m[1] !== 'info' && m[1] !== 'scan') n += Number(m[2]);
    }
    return n;
  }

  async function seedAccount(email: string): Promise<void> {
    const passwordHash = await t.app.get(PasswordService).hash(PASSWORD);
    expect(await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() })).toBe(true);
  }

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = createClient({ url: redisServer.url });
    await redis.connect();
    // No mail worker: nothing in the app writes to Redis unless a request makes it.
    t = await createTestApp({
      REDIS_URL: redisServer.url,
      MAIL_WORKER: 'off',
      MAIL_QUEUE: 'csrf-test',
      AUTH_SIGNUP: 'open',
    });
    // The mail queue writes its meta key once, soon after start: let it, so what follows counts requests only.
    for (let i = 0; i < 100 && !(await redis.exists('bull:csrf-test:meta')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await t?.close();
    redis?.destroy();
    await redisServer?.stop();
  });

  it('stores nothing for 200 page views of new visitors, and sets no session cookie', async () => {
    const keysBefore = await allKeys();
    const writesBefore = await writes();
    const commandsBefore = await commands();
    const pages = ['/auth', '/register', '/password/forgot', '/no-such-page'];
    const tokens = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const path = pages[i % pages.length];
      const res = await request(t.http).get(path).set('Accept', HTML_ACCEPT);
      if (path === '/no-such-page') {
        expect(res.status).toBe(404);
        expect(cookiesSet(res), path).toEqual([]); // no form, no cookie at all
      } else {
        expect(res.status, path).toBe(200);
        expect(cookiesSet(res), path).toEqual(['csrf']);
        tokens.add(csrfFrom(res.text));
      }
    }
    expect(tokens.size).toBe(150); // one token per visitor
    expect(await commands()).toBe(commandsBefore); // not even a read
    expect(await writes()).toBe(writesBefore);
    expect(await allKeys()).toEqual(keysBefore);

    // The control: the first post that needs a session stores it.
    const agent = t.agent();
    const page = await agent.get('/register');
    const reg = await postForm(agent, '/register', {
      _csrf: csrfFrom(page.text),
      email: uniqueEmail(),
      password: PASSWORD,
    });
    expect(reg.status).toBe(303);
    expect(cookiesSet(reg)).toContain('sid');
    expect(await writes()).toBeGreaterThan(writesBefore);
    expect((await allKeys()).filter((k) => k.startsWith('sess:'))).toHaveLength(1);
  });

  /** Each form a visitor without a session can post, and what its post answers once the token passes. */
  const FORMS: {
    page: string;
    action: string;
    fields: () => Promise<Record<string, string>>;
    /** A passed form: a 303 to `next` (whose page then loads), or the route's own answer. */
    passed: { next: string } | { status: number };
  }[] = [
    {
      page: '/auth',
      action: '/auth',
      fields: async () => {
        const email = uniqueEmail('sign-in');
        await seedAccount(email);
        return { email, password: PASSWORD };
      },
      passed: { next: '/verify' },
    },
    {
      page: '/register',
      action: '/register',
      fields: async () => ({ email: uniqueEmail('sign-up'), password: PASSWORD }),
      passed: { next: '/verify' },
    },
    {
      page: '/password/forgot',
      action: '/password/forgot',
      fields: async () => ({ email: uniqueEmail('forgot') }),
      passed: { next: '/password/reset' },
    },
    {
      // A security notice's link: an unknown token passes the CSRF check and is then refused as gone.
      page: '/account/not-me?t=unknown-token',
      action: '/account/not-me',
      fields: async () => ({ token: 'unknown-token' }),
      passed: { status: 410 },
    },
  ];

  describe.each(FORMS)('the form of $page', (form) => {
    it('takes its own token without JavaScript: URL-encoded, redirects followed', async () => {
      const agent = t.agent();
      const page = await agent.get(form.page);
      expect(page.status).toBe(200);
      expect(cookiesSet(page)).toEqual(['csrf']);
      const res = await postForm(agent, form.action, { _csrf: csrfFrom(page.text), ...(await form.fields()) });
      if ('next' in form.passed) {
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe(form.passed.next);
        const next = await agent.get(res.headers.location).set('Accept', HTML_ACCEPT);
        expect(next.status).toBe(200);
        expect(next.type).toBe('text/html');
        // The next page's form carries a token of the session the post started.
        expect(csrfFrom(next.text)).not.toBe(csrfFrom(page.text));
      } else {
        expect(res.status).toBe(form.passed.status);
        expect(res.type).toBe('text/html');
      }
    });

    it('refuses a missing, altered, forged or another visitor’s token with 403 csrf_invalid, storing nothing', async () => {
      const agent = t.agent();
      const page = await agent.get(form.page);
      const token = csrfFrom(page.text);
      const other = t.agent();
      const otherPage = await other.get(form.page);
      const otherToken = csrfFrom(otherPage.text);
      // A pair made up without the server's key: cookie and field alike, as a cookie-planting attacker would.
      const forged = `${randomBytes(32).toString('hex')}.${randomBytes(32).toString('hex')}`;
      const fields = await form.fields();
      const keysBefore = await allKeys();

      const cases: [string, () => request.Test][] = [
        ['missing', () => postForm(agent, form.action, fields)],
        ['empty', () => postForm(agent, form.action, { _csrf: '', ...fields })],
        ['altered', () => postForm(agent, form.action, { _csrf: altered(token), ...fields })],
        ['another visitor’s, with my cookie', () => postForm(agent, form.action, { _csrf: otherToken, ...fields })],
        [
          'another visitor’s, without a cookie',
          () => postForm(request(t.http), form.action, { _csrf: otherToken, ...fields }),
        ],
        [
          'forged, cookie and field alike',
          () => postForm(request(t.http), form.action, { _csrf: forged, ...fields }).set('Cookie', `csrf=${forged}`),
        ],
        [
          'another visitor’s cookie, my token',
          () =>
            postForm(request(t.http), form.action, { _csrf: token, ...fields }).set('Cookie', csrfCookie(otherPage)),
        ],
      ];
      for (const [what, send] of cases) {
        const res = await send();
        expect(res.status, what).toBe(403);
        expect(res.type, what).toBe('text/html');
        expect(cookiesSet(res), what).not.toContain('sid');
        const json = await send().set('Accept', 'application/json');
        expect(json.status, what).toBe(403);
        expect(json.body.error, what).toBe('csrf_invalid');
      }
      expect(await allKeys()).toEqual(keysBefore);
      // The same visitor's own token still works afterwards.
      const ok = await postForm(agent, form.action, { _csrf: token, ...fields });
      expect(ok.status).not.toBe(403);
    });
  });

  it('binds the token to the session once there is one: the token from before it is refused', async () => {
    const agent = t.agent();
    const signIn = async (token: string) => {
      const email = uniqueEmail('rebind');
      await seedAccount(email);
      return postForm(agent, '/auth', { _csrf: token, email, password: PASSWORD });
    };
    const before = csrfFrom((await agent.get('/auth')).text);
    const started = await signIn(before);
    expect(started.status).toBe(303);
    expect(started.headers.location).toBe('/verify');

    // The session now exists: the token of the page before it no longer fits, even with its cookie.
    expect((await signIn(before)).status).toBe(403);
    const page = await agent.get('/auth');
    expect(page.status).toBe(200);
    expect(cookiesSet(page)).toEqual(['csrf']); // a new token, for this session
    const current = csrfFrom(page.text);
    expect(current).not.toBe(before);
    // Page views of a session reuse its token: no new cookie each time.
    const reload = await agent.get('/auth');
    expect(cookiesSet(reload)).toEqual([]);
    expect(csrfFrom(reload.text)).toBe(current);

    // A new challenge moves the session to a new id: the token of the old id is refused in turn.
    expect((await signIn(current)).status).toBe(303);
    expect((await signIn(current)).status).toBe(403);
  });
});
