import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { redisExists, sessionCookie, sessionId } from './support/session.js';

/**
 * The flows as a plain browser does them: pages with a `_csrf` hidden input, URL-encoded form
 * posts, 303 redirects on success and the page re-rendered with the error on failure; and the
 * guard's answers to pages and to JSON clients.
 */

const JSON_TYPE = 'application/json';
/** Many requests from one loopback address: keep any per-IP limit out of the way. */
const BASE_ENV = { RATE_LIMIT_PER_MINUTE: '100000' };
const PASSWORD = 'correct horse battery staple';

type Agent = ReturnType<TestApp['agent']>;

/** What Handlebars' `{{ }}` makes of a string. */
function escapeHtml(s: string): string {
  const map: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#x27;',
    '`': '&#x60;',
    '=': '&#x3D;',
  };
  return s.replace(/[&<>"'`=]/g, (c) => map[c]);
}

/** The `_csrf` hidden input of a page. */
function csrfFrom(html: string): string {
  const token = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html)?.[1];
  if (!token) throw new Error(`No _csrf input in the page:\n${html}`);
  return token;
}

/** Loads a page as a browser does and returns its `_csrf` token. */
async function pageToken(agent: Agent, path: string): Promise<string> {
  const page = await agent.get(path);
  expect(page.status).toBe(200);
  expect(page.type).toBe('text/html');
  return csrfFrom(page.text);
}

/** Posts a form as a browser does (URL-encoded, no JSON in Accept). */
const postForm = (agent: Agent, path: string, fields: Record<string, string>) =>
  agent.post(path).type('form').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').send(fields);

const me = (agent: Agent) => agent.get('/me').set('Accept', JSON_TYPE);

/** The value attribute of the page's email input. */
const emailValue = (html: string) => /<input id="email" name="email"[^>]* value="([^"]*)"/.exec(html)?.[1];

async function seedAccount(t: TestApp, email: string, password = PASSWORD): Promise<void> {
  const passwordHash = await t.app.get(PasswordService).hash(password);
  expect(await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() })).toBe(true);
}

/** Sign-in page, then password: leaves the browser on the code page. */
async function formStart(t: TestApp, agent: Agent, email: string, password = PASSWORD): Promise<void> {
  const res = await postForm(agent, '/auth', { _csrf: await pageToken(agent, '/auth'), email, password });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/verify');
}

/** The code page, then the mailed code: returns the 303 answer. */
async function formVerify(t: TestApp, agent: Agent, email: string): Promise<request.Response> {
  const csrf = await pageToken(agent, '/verify');
  return postForm(agent, '/verify', { _csrf: csrf, code: await t.codeFor(email) });
}

describe('forms, password mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(BASE_ENV);
  });
  afterAll(() => t?.close());

  it('registers through the pages: 303 to /verify, then 303 to /home, which shows the (escaped) email', async () => {
    // Characters a valid address may hold that HTML must escape.
    const email = uniqueEmail("o'b&c=d");
    const agent = t.agent();

    const reg = await postForm(agent, '/register', {
      _csrf: await pageToken(agent, '/register'),
      email,
      password: PASSWORD,
    });
    expect(reg.status).toBe(303);
    expect(reg.headers.location).toBe('/verify');

    const verifyPage = await agent.get('/verify');
    expect(verifyPage.status).toBe(200);
    expect(verifyPage.text).toContain(escapeHtml(email));
    expect(verifyPage.text).not.toContain(email);
    const verify = await postForm(agent, '/verify', { _csrf: csrfFrom(verifyPage.text), code: await t.codeFor(email) });
    expect(verify.status).toBe(303);
    expect(verify.headers.location).toBe('/home');

    const home = await agent.get('/home');
    expect(home.status).toBe(200);
    expect(home.type).toBe('text/html');
    expect(home.text).toContain(`<strong>${escapeHtml(email)}</strong>`);
    expect(home.text).not.toContain(email);
    expect(home.text).toMatch(
      /<form method="post" action="\/logout">\s*<input type="hidden" name="_csrf" value="[^"]+">/,
    );
    expect((await me(agent)).body).toMatchObject({ email, aal: 2, amr: ['pwd', 'otp', 'mfa'] });
  });

  it('signs an existing account in through the sign-in and code pages', async () => {
    const email = uniqueEmail('member');
    await seedAccount(t, email);
    const agent = t.agent();
    await formStart(t, agent, email);
    const page = await agent.get('/verify');
    expect(page.status).toBe(200);
    expect(page.text).toContain(email);
    const verify = await postForm(agent, '/verify', { _csrf: csrfFrom(page.text), code: await t.codeFor(email) });
    expect(verify.status).toBe(303);
    expect(verify.headers.location).toBe('/home');
    expect((await agent.get('/home')).status).toBe(200);
    expect((await me(agent)).body).toMatchObject({ email, aal: 2, amr: ['pwd', 'otp', 'mfa'] });
  });

  it('a wrong password re-renders the sign-in page with 401, the message and the typed email (escaped)', async () => {
    const email = uniqueEmail("o'b&c=d");
    await seedAccount(t, email);
    const json = await t.agent().post('/auth').send({ email, password: 'not the password' });
    expect(json.status).toBe(401);
    expect(json.body.error).toBe('invalid_credentials');

    const agent = t.agent();
    const csrf = await pageToken(agent, '/auth');
    const form = await postForm(agent, '/auth', { _csrf: csrf, email, password: 'not the password' });
    expect(form.status).toBe(json.status);
    expect(form.type).toBe('text/html');
    expect(form.text).toContain(escapeHtml(json.body.message));
    expect(emailValue(form.text)).toBe(escapeHtml(email));
    expect(form.text).not.toContain(email);

    // The re-rendered page is a working form: the right password goes on to /verify.
    const retry = await postForm(agent, '/auth', { _csrf: csrfFrom(form.text), email, password: PASSWORD });
    expect(retry.status).toBe(303);
    expect(retry.headers.location).toBe('/verify');
  });

  it('a wrong code re-renders the code page with 401 and the attempts left; the right one then goes to /home', async () => {
    const email = uniqueEmail('code');
    await seedAccount(t, email);
    const agent = t.agent();
    await formStart(t, agent, email);
    const code = await t.codeFor(email);
    const wrong = code === '000000' ? '111111' : '000000';

    const json = await agent.post('/verify').send({ code: wrong });
    expect(json.status).toBe(401);
    expect(json.body).toMatchObject({ error: 'invalid_code', attemptsRemaining: 4 });

    const form = await postForm(agent, '/verify', { _csrf: await pageToken(agent, '/verify'), code: wrong });
    expect(form.status).toBe(json.status);
    expect(form.type).toBe('text/html');
    expect(form.text).toContain(json.body.message);
    expect(form.text).toContain('3 attempts left');

    const ok = await postForm(agent, '/verify', { _csrf: csrfFrom(form.text), code });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/home');
    expect((await me(agent)).body).toMatchObject({ email, aal: 2 });
  });

  it('a typed value holding <script> fails validation and comes back escaped', async () => {
    const typed = `<script>alert(1)</script>${uniqueEmail('xss')}`;
    const json = await t.agent().post('/auth').send({ email: typed, password: PASSWORD });
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ error: 'validation_failed' });
    expect(json.body.details.map((d: { field: string }) => d.field)).toContain('email');

    for (const path of ['/auth', '/register']) {
      const agent = t.agent();
      const form = await postForm(agent, path, {
        _csrf: await pageToken(agent, path),
        email: typed,
        password: PASSWORD,
      });
      expect(form.status).toBe(400);
      expect(form.type).toBe('text/html');
      expect(form.text).not.toContain('<script>alert(1)</script>');
      expect(emailValue(form.text)).toBe(escapeHtml(typed));
      expect(form.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(form.text).toMatch(/Enter an email address/);
    }
  });

  it('POST /logout as a form answers 303 to /auth and ends the session for good', async () => {
    const email = uniqueEmail('bye');
    await seedAccount(t, email);
    const agent = t.agent();
    await formStart(t, agent, email);
    const verify = await formVerify(t, agent, email);
    expect(verify.status).toBe(303);
    const cookie = sessionCookie(verify);
    const key = `sess:${sessionId(cookie)}`;
    expect(await redisExists(key)).toBe(1);

    const home = await agent.get('/home');
    expect(home.status).toBe(200);
    const logout = await postForm(agent, '/logout', { _csrf: csrfFrom(home.text) });
    expect(logout.status).toBe(303);
    expect(logout.headers.location).toBe('/auth');
    expect(sessionCookie(logout)).toBe('sid=');

    expect((await me(agent)).status).toBe(401);
    const after = await agent.get('/home');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/auth');
    const replay = await request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', cookie);
    expect(replay.status).toBe(401);
    expect(await redisExists(key)).toBe(0);
  });
});

describe('forms, email mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ...BASE_ENV, AUTH_FIRST_FACTOR: 'email' });
  });
  afterAll(() => t?.close());

  it('signs in with the emailed code through the pages', async () => {
    const email = uniqueEmail('page');
    const agent = t.agent();
    const signInPage = await agent.get('/auth');
    expect(signInPage.status).toBe(200);
    expect(signInPage.text).not.toMatch(/name="password"/);

    const start = await postForm(agent, '/auth', { _csrf: csrfFrom(signInPage.text), email });
    expect(start.status).toBe(303);
    expect(start.headers.location).toBe('/verify');
    const verify = await formVerify(t, agent, email);
    expect(verify.status).toBe(303);
    expect(verify.headers.location).toBe('/home');

    const home = await agent.get('/home');
    expect(home.status).toBe(200);
    expect(home.text).toContain(email);
    expect((await me(agent)).body).toMatchObject({ email, aal: 1, amr: ['otp'] });
  });

  it('a wrong code re-renders the code page with 401', async () => {
    const email = uniqueEmail('wrong');
    const agent = t.agent();
    const start = await postForm(agent, '/auth', { _csrf: await pageToken(agent, '/auth'), email });
    expect(start.status).toBe(303);
    const code = await t.codeFor(email);
    const form = await postForm(agent, '/verify', {
      _csrf: await pageToken(agent, '/verify'),
      code: code === '000000' ? '111111' : '000000',
    });
    expect(form.status).toBe(401);
    expect(form.text).toContain('The code is not correct');
    expect(form.text).toContain('4 attempts left');
    // The page still says where the code went.
    expect(form.text).toContain(escapeHtml(email));
    expect((await me(agent)).status).toBe(401);
  });

  it('a malformed code re-renders the code page with 400, still saying where the code went', async () => {
    const email = uniqueEmail('malformed');
    const agent = t.agent();
    expect((await postForm(agent, '/auth', { _csrf: await pageToken(agent, '/auth'), email })).status).toBe(303);
    const form = await postForm(agent, '/verify', { _csrf: await pageToken(agent, '/verify'), code: 'abc' });
    expect(form.status).toBe(400);
    expect(form.type).toBe('text/html');
    expect(form.text).toContain(escapeHtml(email));
    expect(form.text).toContain('name="code"');
  });
});

describe('protected pages and the guard', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(BASE_ENV);
  });
  afterAll(() => t?.close());

  it('GET /home signed out: a page request goes to /auth, a JSON client gets 401 unauthenticated', async () => {
    const page = await t.agent().get('/home');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/auth');

    const json = await t.agent().get('/home').set('Accept', JSON_TYPE);
    expect(json.status).toBe(401);
    expect(json.body).toEqual({ error: 'unauthenticated', message: expect.any(String) });
  });

  it('GET /me signed out is 401 JSON, whatever the Accept header, and is not remembered as a page to return to', async () => {
    const json = await t.agent().get('/me').set('Accept', JSON_TYPE);
    expect(json.status).toBe(401);
    expect(json.body).toEqual({ error: 'unauthenticated', message: expect.any(String) });

    // fetch() and curl send Accept: */*; a browser tab sends its page Accept.
    for (const accept of ['*/*', 'text/html,application/xhtml+xml,*/*;q=0.8']) {
      const email = uniqueEmail('me');
      await seedAccount(t, email);
      const agent = t.agent();
      const res = await agent.get('/me').set('Accept', accept);
      expect(res.status).toBe(401);
      expect(res.type).toBe(JSON_TYPE);
      expect(res.body).toEqual(json.body);
      await formStart(t, agent, email);
      const verify = await formVerify(t, agent, email);
      expect(verify.status).toBe(303);
      expect(verify.headers.location).toBe('/home');
    }
  });

  it('GET /verify with no pending challenge goes to /auth', async () => {
    const res = await t.agent().get('/verify');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth');
  });

  it('with a challenge pending, the page goes to /verify and JSON is still 401', async () => {
    const email = uniqueEmail('pending');
    await seedAccount(t, email);
    const agent = t.agent();
    await formStart(t, agent, email);
    const page = await agent.get('/home');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/verify');
    const json = await agent.get('/home').set('Accept', JSON_TYPE);
    expect(json.status).toBe(401);
    expect(json.body.error).toBe('unauthenticated');
    expect((await me(agent)).status).toBe(401);
  });

  it('after signing in through the forms, the browser lands on the page it first asked for', async () => {
    const email = uniqueEmail('return');
    await seedAccount(t, email);
    const agent = t.agent();
    const wanted = '/home?tab=security';
    const first = await agent.get(wanted);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/auth');

    await formStart(t, agent, email);
    const verify = await formVerify(t, agent, email);
    expect(verify.status).toBe(303);
    expect(verify.headers.location).toBe(wanted);
    const landed = await agent.get(verify.headers.location);
    expect(landed.status).toBe(200);
    expect(landed.text).toContain(email);
  });

  it('a signed-in browser visiting the sign-in page goes home', async () => {
    const email = uniqueEmail('visit');
    await seedAccount(t, email);
    const agent = t.agent();
    await formStart(t, agent, email);
    expect((await formVerify(t, agent, email)).status).toBe(303);
    const res = await agent.get('/auth');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/home');
  });
});
