/**
 * Security rules about requests and answers, end to end: CSRF (signed double-submit token, Origin and
 * Sec-Fetch-Site, content types), strict input, security headers, and answers that do not tell
 * known and unknown addresses apart (enumeration).
 */
import { createClient } from 'redis';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { MailDispatcher } from '../src/mail/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { testRedisUrl } from './support/redis.js';

/** `METHOD /path -> status` of an answer, for failure messages (supertest keeps the request, untyped). */
function what(res: Response): string {
  const req = (res as unknown as { req: { method: string; path: string } }).req;
  return `${req.method} ${req.path} -> ${res.status}`;
}

type Agent = ReturnType<TestApp['agent']>;

/** The `_csrf` value of the first form on a page. */
function csrfOf(res: Response): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
  if (!token) throw new Error(`no _csrf field in ${what(res)}`);
  return token;
}

/** Loads a page and returns its CSRF token (the agent now holds its cookie). */
async function pageToken(agent: Agent, path = '/auth'): Promise<string> {
  const res = await agent.get(path);
  expect(res.status).toBe(200);
  return csrfOf(res);
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Signs a fresh address in (email mode, JSON) and returns its agent. */
async function signedIn(t: TestApp): Promise<{ agent: Agent; email: string }> {
  const email = uniqueEmail('signed-in');
  const agent = t.agent();
  expect((await agent.post('/auth').send({ email })).status).toBe(200);
  expect((await agent.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
  return { agent, email };
}

const me = (agent: Agent) => agent.get('/me').set('Accept', 'application/json');

describe('email mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
  });
  afterAll(() => t.close());

  describe('CSRF', () => {
    it('accepts a form post carrying the token of its page (control)', async () => {
      const agent = t.agent();
      const email = uniqueEmail('csrf-ok');
      const token = await pageToken(agent); // first: the agent attaches its cookies when a request is made
      const res = await agent
        .post('/auth')
        .type('form')
        .send(form({ email, _csrf: token }));
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/verify');
    });

    it('refuses a form post without _csrf, with a wrong one, or with another session’s, with 403', async () => {
      const agent = t.agent();
      const token = await pageToken(agent);
      const otherToken = await pageToken(t.agent());
      const email = uniqueEmail('csrf');
      const cases: [string, Record<string, string>][] = [
        ['missing', { email }],
        ['empty', { email, _csrf: '' }],
        ['wrong', { email, _csrf: `${token.slice(0, -2)}xx` }],
        ['another session’s', { email, _csrf: otherToken }],
      ];
      for (const [what, fields] of cases) {
        const page = await agent.post('/auth').type('form').send(form(fields));
        expect(page.status, what).toBe(403);
        expect(page.type, what).toBe('text/html');
        const json = await agent.post('/auth').type('form').set('Accept', 'application/json').send(form(fields));
        expect(json.status, what).toBe(403);
        expect(json.body.error, what).toBe('csrf_invalid');
      }
      // Without any session there is no token to match.
      const fresh = await t
        .agent()
        .post('/auth')
        .type('form')
        .send(form({ email, _csrf: token }));
      expect(fresh.status).toBe(403);
      await t.app.get(MailDispatcher).drain(1000);
      expect(t.smtp.mailsTo(email)).toEqual([]);
    });

    it('refuses an empty form post without _csrf (sign-out cannot be forged)', async () => {
      const { agent } = await signedIn(t);
      const forged = await agent.post('/logout').type('form').send('');
      expect(forged.status).toBe(403);
      expect((await me(agent)).status).toBe(200);
      const token = csrfOf(await agent.get('/home'));
      const real = await agent
        .post('/logout')
        .type('form')
        .send(form({ _csrf: token }));
      expect(real.status).toBe(303);
      expect((await me(agent)).status).toBe(401);
    });

    it('refuses any POST, form or JSON, from a cross-site Origin or with Sec-Fetch-Site: cross-site', async () => {
      const { agent } = await signedIn(t);
      const routes = ['/auth', '/verify', '/verify/resend', '/logout', '/register'];
      const crossSite: [string, Record<string, string>][] = [
        ['evil origin', { Origin: 'https://evil.example' }],
        ['null origin', { Origin: 'null' }],
        ['same host, other scheme', { Origin: t.config.appOrigin.replace(/^http:/, 'https:') }],
        ['Sec-Fetch-Site', { 'Sec-Fetch-Site': 'cross-site' }],
      ];
      for (const route of routes) {
        for (const [what, headers] of crossSite) {
          const json = await agent
            .post(route)
            .set(headers)
            .send({ email: uniqueEmail('xs'), code: '123456' });
          expect(json.status, `${route} JSON, ${what}`).toBe(403);
          expect(json.body.error, `${route} JSON, ${what}`).toBe('cross_site_request');
          const empty = await agent.post(route).set(headers).set('Accept', 'application/json');
          expect(empty.status, `${route} no body, ${what}`).toBe(403);
        }
      }
      // A valid token does not make a cross-site form acceptable.
      const token = csrfOf(await agent.get('/home'));
      const formPost = await agent
        .post('/logout')
        .type('form')
        .set('Origin', 'https://evil.example')
        .send(form({ _csrf: token }));
      expect(formPost.status).toBe(403);
      // None of it signed the session out.
      expect((await me(agent)).status).toBe(200);
    });

    it('lets same-origin requests through', async () => {
      const agent = t.agent();
      const res = await agent
        .post('/auth')
        .set('Origin', t.config.appOrigin)
        .set('Sec-Fetch-Site', 'same-origin')
        .send({ email: uniqueEmail('same-origin') });
      expect(res.status).toBe(200);
      const browser = t.agent();
      const token = await pageToken(browser);
      const formPost = await browser
        .post('/auth')
        .type('form')
        .set('Origin', t.config.appOrigin)
        .set('Sec-Fetch-Site', 'same-origin')
        .send(form({ email: uniqueEmail('same-origin-form'), _csrf: token }));
      expect(formPost.status).toBe(303);
    });

    it('answers other content types 415 unsupported_media_type', async () => {
      const agent = t.agent();
      const email = uniqueEmail('ctype');
      const bodies: [string, string][] = [
        ['text/plain', `email=${email}`],
        ['text/plain', JSON.stringify({ email })],
        [
          'multipart/form-data; boundary=x',
          `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email}\r\n--x--\r\n`,
        ],
        ['application/xml', `<email>${email}</email>`],
        ['text/plain', ''],
      ];
      for (const [type, body] of bodies) {
        const res = await agent.post('/auth').set('Content-Type', type).set('Accept', 'application/json').send(body);
        expect(res.status, type).toBe(415);
        expect(res.body.error, type).toBe('unsupported_media_type');
        const page = await agent.post('/auth').set('Content-Type', type).send(body);
        expect(page.status, type).toBe(415);
      }
      await t.app.get(MailDispatcher).drain(1000);
      expect(t.smtp.mailsTo(email)).toEqual([]);
    });
  });

  describe('input', () => {
    it('refuses unknown fields with 400, in JSON and in forms', async () => {
      const agent = t.agent();
      const json = await agent.post('/auth').send({ email: uniqueEmail('unknown-field'), admin: true });
      expect(json.status).toBe(400);
      expect(json.body.error).toBe('validation_failed');
      expect(json.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'admin' })]));
      const token = await pageToken(agent);
      const page = await agent
        .post('/auth')
        .type('form')
        .set('Accept', 'application/json')
        .send(form({ email: uniqueEmail('unknown-field'), returnTo: '//evil.example', _csrf: token }));
      expect(page.status).toBe(400);
      expect(page.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'returnTo' })]));
      const code = await agent.post('/verify').send({ code: '123456', email: 'x@example.test' });
      expect(code.status).toBe(400);
    });

    it('refuses a repeated field with 400 and sends no mail', async () => {
      const agent = t.agent();
      const [a, b] = [uniqueEmail('repeat-a'), uniqueEmail('repeat-b')];
      const token = await pageToken(agent);
      const res = await agent
        .post('/auth')
        .type('form')
        .set('Accept', 'application/json')
        .send(`email=${encodeURIComponent(a)}&email=${encodeURIComponent(b)}&_csrf=${encodeURIComponent(token)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('validation_failed');
      const page = await agent
        .post('/auth')
        .type('form')
        .send(`email=${encodeURIComponent(a)}&email=${encodeURIComponent(b)}&_csrf=${encodeURIComponent(token)}`);
      expect(page.status).toBe(400);
      // JSON's equivalent, an array, is refused too.
      expect((await agent.post('/auth').send({ email: [a, b] })).status).toBe(400);
      await t.app.get(MailDispatcher).drain(1000);
      expect([...t.smtp.mailsTo(a), ...t.smtp.mailsTo(b)]).toEqual([]);
    });

    it('refuses an email holding CR or LF, even at the end where trimming would hide it', async () => {
      const agent = t.agent();
      const email = uniqueEmail('crlf');
      for (const bad of [`${email}\r\nBcc: victim@example.test`, `${email}\n`, `\r${email}`, `${email}\rx`]) {
        const res = await agent.post('/auth').send({ email: bad });
        expect(res.status, JSON.stringify(bad)).toBe(400);
        expect(res.body.error).toBe('validation_failed');
      }
      const token = await pageToken(agent);
      const page = await agent
        .post('/auth')
        .type('form')
        .set('Accept', 'application/json')
        .send(`email=${encodeURIComponent(email)}%0D%0ABcc:%20victim@example.test&_csrf=${encodeURIComponent(token)}`);
      expect(page.status).toBe(400);
      await t.app.get(MailDispatcher).drain(1000);
      expect(t.smtp.mailsTo(email)).toEqual([]);
      expect(t.smtp.mailsTo('victim@example.test')).toEqual([]);
    });

    it('answers a body over the limit with 413', async () => {
      const agent = t.agent();
      const big = 'x'.repeat(16 * 1024);
      const json = await agent.post('/auth').send({ email: `${big}@example.test` });
      expect(json.status).toBe(413);
      expect(json.body.error).toBe('payload_too_large');
      const token = await pageToken(agent);
      const page = await agent
        .post('/auth')
        .type('form')
        .send(form({ email: `${big}@example.test`, _csrf: token }));
      expect(page.status).toBe(413);
      // Just under the limit is read (and then refused by validation, not by size).
      const near = await agent.post('/auth').send({ email: `${'x'.repeat(7 * 1024)}@example.test` });
      expect(near.status).toBe(400);
    });

    it('normalises emails (trim, lower case): mail and limits go to one identifier', async () => {
      const email = uniqueEmail('normalise');
      const messy = `  ${email.toUpperCase().replace('@', '@')}\t `;
      const first = await t.agent().post('/auth').send({ email: messy });
      expect(first.status).toBe(200);
      const mail = await t.mailTo(email);
      expect(mail.to).toEqual([email]);
      // The same address spelled differently shares the cooldown: it is the same identifier.
      for (const variant of [email, email.toUpperCase(), ` ${email}`]) {
        const again = await t.agent().post('/auth').send({ email: variant });
        expect(again.status, variant).toBe(429);
        expect(again.body.error).toBe('rate_limited');
      }
    });

    it('never puts a stack trace in a JSON error', async () => {
      const agent = t.agent();
      const answers = [
        await agent.post('/auth').set('Content-Type', 'application/json').send('{"email":'),
        await agent.post('/auth').set('Content-Type', 'application/json').send('"just a string"'),
        await agent.post('/auth').set('Content-Type', 'application/json').send('[]'),
        await agent.post('/auth').send({ email: { $ne: null } }),
        await agent.post('/auth').send({ email: `${'x'.repeat(9000)}@example.test` }),
        await agent.post('/auth').set('Content-Type', 'text/plain').set('Accept', 'application/json').send('x'),
        await agent.post('/auth').set('Origin', 'https://evil.example').send({ email: 'a@example.test' }),
        await agent.post('/verify').send({ code: 'abc' }),
        await agent.post('/verify').send({ code: '123456' }),
        await agent.get('/me').set('Accept', 'application/json'),
        await agent.get('/no-such-page').set('Accept', 'application/json'),
        await agent.delete('/auth').set('Accept', 'application/json'),
      ];
      for (const res of answers) {
        const where = what(res);
        expect(res.status, where).toBeGreaterThanOrEqual(400);
        expect(res.status, where).toBeLessThan(500);
        expect(res.type, where).toBe('application/json');
        expect(typeof res.body.error, where).toBe('string');
        expect(typeof res.body.message, where).toBe('string');
        expect(res.body).not.toHaveProperty('stack');
        expect(res.text, where).not.toMatch(/\n\s+at |\.[jt]s:\d+|node_modules|Error:/);
      }
    });
  });

  describe('headers', () => {
    it('marks auth pages and answers Cache-Control: no-store, with helmet’s headers and a strict CSP', async () => {
      const { agent } = await signedIn(t);
      const pending = t.agent();
      const email = uniqueEmail('headers');
      const started = await pending.post('/auth').send({ email });
      const answers = [
        await t.agent().get('/auth'),
        started,
        await pending.get('/verify'),
        await pending.post('/verify').send({ code: '000000' }),
        await agent.get('/home'),
        await agent.get('/me').set('Accept', 'application/json'),
        await t.agent().get('/home'),
        await t.agent().post('/auth').send({ email: 'not an email' }),
      ];
      for (const res of answers) {
        const where = what(res);
        expect(res.headers['cache-control'], where).toBe('no-store');
        expect(res.headers['x-content-type-options'], where).toBe('nosniff');
        expect(res.headers['x-frame-options'], where).toBe('DENY');
        // Never leaks paths to other sites (`no-referrer` would also null the Origin of same-site forms).
        expect(['same-origin', 'strict-origin', 'strict-origin-when-cross-origin', 'no-referrer'], where).toContain(
          res.headers['referrer-policy'],
        );
        expect(res.headers['x-powered-by'], where).toBeUndefined();
        const csp = String(res.headers['content-security-policy']);
        const directives = new Map(
          csp.split(';').map((d) => {
            const [name, ...values] = d.trim().split(/\s+/);
            return [name, values] as const;
          }),
        );
        expect(csp, where).not.toContain('unsafe-inline');
        expect(csp, where).not.toContain('unsafe-eval');
        expect(directives.get('frame-ancestors'), where).toEqual(["'none'"]);
        expect(directives.get('script-src'), where).toEqual(["'self'"]);
        expect(directives.get('object-src'), where).toEqual(["'none'"]);
        expect(directives.get('form-action'), where).toEqual(["'self'"]);
      }
      // Plain http: no HSTS (it would be ignored, and would break a later http setup).
      expect(answers[0].headers['strict-transport-security']).toBeUndefined();
    });
  });
});

describe('enumeration', () => {
  /** The parts of an answer that must match between a known and an unknown address. */
  function shape(res: Response, email: string) {
    const body = res.body as Record<string, unknown>;
    return {
      status: res.status,
      keys: Object.keys(body).sort(),
      body: { ...body, expiresAt: typeof body.expiresAt },
      setsCookie: res.headers['set-cookie'] !== undefined,
      cacheControl: res.headers['cache-control'],
      contentType: res.headers['content-type'],
      location: res.headers.location,
      // Pages, without the address, the per-session CSRF token, the challenge's own deadline and cooldown.
      text:
        res.type === 'text/html'
          ? res.text
              .replaceAll(email, '<email>')
              .replace(/name="_csrf" value="[^"]*"/g, '')
              // The cooldown's seconds left, read a moment apart.
              .replace(/data-resend-after="\d+"/g, '')
              .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
              .replace(/\b\d{1,2}:\d\d(:\d\d)?(\s?[AP]M)?/g, '<time>')
          : undefined,
    };
  }

  const expiresIn = (res: Response) => Date.parse(res.body.expiresAt) - Date.now();

  describe('email mode, closed sign-up', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', AUTH_SIGNUP: 'closed' });
    });
    afterAll(() => t.close());

    it('answers an unknown address as a known one, its challenge behaves alike, and it gets no mail', async () => {
      const known = uniqueEmail('enum-known');
      const unknown = uniqueEmail('enum-unknown');
      await t.app.get(UserStore).create({ email: known, createdAt: Date.now() });
      const [ka, ua] = [t.agent(), t.agent()];

      const [k, u] = [await ka.post('/auth').send({ email: known }), await ua.post('/auth').send({ email: unknown })];
      expect(k.status).toBe(200);
      expect(shape(u, unknown)).toEqual(shape(k, known));
      expect(Math.abs(expiresIn(k) - expiresIn(u))).toBeLessThan(2000);

      expect(shape(await ua.get('/verify'), unknown)).toEqual(shape(await ka.get('/verify'), known));
      for (let i = 0; i < 2; i++) {
        const [kw, uw] = [
          await ka.post('/verify').send({ code: '000000' }),
          await ua.post('/verify').send({ code: '000000' }),
        ];
        expect(kw.status).toBe(401);
        expect(uw.body).toEqual(kw.body);
      }
      // The same form post, as a browser sends it.
      const [kf, uf] = await Promise.all(
        [ka, ua].map(async (agent) => {
          const token = await pageToken(agent, '/verify');
          return agent
            .post('/verify')
            .type('form')
            .send(form({ code: '000000', _csrf: token }));
        }),
      );
      expect(kf.status).toBe(401);
      expect(shape(uf, unknown)).toEqual(shape(kf, known));

      await t.mailTo(known);
      await t.app.get(MailDispatcher).drain(1000);
      expect(t.smtp.mailsTo(unknown)).toEqual([]);
    });
  });

  describe('email mode, open sign-up', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', AUTH_SIGNUP: 'open' });
    });
    afterAll(() => t.close());

    it('answers a new address (sign-up) as an existing one (sign-in)', async () => {
      const known = uniqueEmail('open-known');
      const fresh = uniqueEmail('open-new');
      await t.app.get(UserStore).create({ email: known, createdAt: Date.now() });
      const k = await t.agent().post('/auth').send({ email: known });
      const u = await t.agent().post('/auth').send({ email: fresh });
      expect(k.status).toBe(200);
      expect(shape(u, fresh)).toEqual(shape(k, known));
    });
  });

  describe('password mode, open sign-up', () => {
    let t: TestApp;
    const PASSWORD = 'correct horse battery';
    let redis: ReturnType<typeof createClient>;
    const knownUser = async (tag: string) => {
      const email = uniqueEmail(tag);
      const passwordHash = await t.app.get(PasswordService).hash(PASSWORD);
      await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() });
      return { email, passwordHash };
    };
    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', AUTH_SIGNUP: 'open' });
      redis = createClient({ url: testRedisUrl() });
      await redis.connect();
    });
    afterAll(async () => {
      redis?.destroy();
      await t.close();
    });

    it('answers a wrong password and an unknown email identically (JSON and page)', async () => {
      const { email } = await knownUser('pw-known');
      const unknown = uniqueEmail('pw-unknown');
      const wrong = await t.agent().post('/auth').send({ email, password: 'not the password' });
      const missing = await t.agent().post('/auth').send({ email: unknown, password: 'not the password' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_credentials');
      expect(shape(missing, unknown)).toEqual(shape(wrong, email));

      const [wa, ma] = [t.agent(), t.agent()];
      const [wt, mt] = [await pageToken(wa), await pageToken(ma)];
      const wrongPage = await wa
        .post('/auth')
        .type('form')
        .send(form({ email, password: 'not the password', _csrf: wt }));
      const missingPage = await ma
        .post('/auth')
        .type('form')
        .send(form({ email: unknown, password: 'not the password', _csrf: mt }));
      expect(wrongPage.status).toBe(401);
      expect(shape(missingPage, unknown)).toEqual(shape(wrongPage, email));
    });

    it('answers POST /register for an existing email as for a new one, and leaves the account alone', async () => {
      const { email: existing, passwordHash } = await knownUser('reg-existing');
      const fresh = uniqueEmail('reg-new');
      const [ea, na] = [t.agent(), t.agent()];
      const e = await ea.post('/register').send({ email: existing, password: 'another password' });
      const n = await na.post('/register').send({ email: fresh, password: 'another password' });
      expect(n.status).toBe(200);
      expect(shape(e, existing)).toEqual(shape(n, fresh));
      const [ev, nv] = [
        await ea.post('/verify').send({ code: '000000' }),
        await na.post('/verify').send({ code: '000000' }),
      ];
      expect(nv.status).toBe(401);
      expect(ev.body).toEqual(nv.body);

      // The new address gets a code; the existing one a notice without a code.
      expect((await t.mailTo(fresh)).code).toMatch(/^\d{6}$/);
      const notice = await t.mailTo(existing);
      expect(notice.code).toBeUndefined();
      // The account is untouched: same password hash, and the old password still works.
      expect(await redis.hGet(`user:${existing}`, 'h')).toBe(passwordHash);
      expect(await t.app.get(PasswordService).verify(passwordHash, PASSWORD)).toBe(true);
    });
  });
});
