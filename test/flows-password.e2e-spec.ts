import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../src/account/index.js';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { redisExists, sessionCookie, sessionId } from './support/session.js';

/**
 * The password flow (the default AUTH_FIRST_FACTOR=password) end to end, as a JSON client:
 * register, prove the address with the mailed code, sign out, sign in with password + code;
 * credential errors, registering a taken address, closed sign-up, and logout.
 * Form posts are in forms.e2e-spec.ts.
 */

const JSON_TYPE = 'application/json';
/** Many requests from one loopback address: keep any per-IP limit out of the way. */
const BASE_ENV = { RATE_LIMIT_PER_MINUTE: '100000' };
const PASSWORD = 'correct horse battery staple';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until epoch ms `at` (e.g. the end of a 1 s resend cooldown). */
const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));

type Agent = ReturnType<TestApp['agent']>;

const me = (agent: Agent) => agent.get('/me').set('Accept', JSON_TYPE);

/** Creates an account through the app's own ports (no mail, no cooldown used). */
async function seedAccount(t: TestApp, email: string, password = PASSWORD): Promise<void> {
  const passwordHash = await t.app.get(PasswordService).hash(password);
  expect(await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() })).toBe(true);
}

/** Password, then the mailed code: leaves `agent` fully signed in. */
async function signIn(t: TestApp, agent: Agent, email: string, password = PASSWORD): Promise<request.Response> {
  const start = await agent.post('/auth').send({ email, password });
  expect(start.status).toBe(200);
  const verify = await agent.post('/verify').send({ code: await t.codeFor(email) });
  expect(verify.status).toBe(200);
  return verify;
}

describe('password mode, sign-up open', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ...BASE_ENV, OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('registers, proves the address with the mailed code (aal 2), signs out and signs in again with password + code', async () => {
    const email = uniqueEmail('reg');
    const agent = t.agent();

    const reg = await agent.post('/register').send({ email, password: PASSWORD });
    const registeredAt = Date.now(); // at or after the server took the send from the budget
    expect(reg.status).toBe(200);
    expect(reg.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });
    expect(Date.parse(reg.body.expiresAt)).toBeGreaterThan(Date.now());

    const mail = await t.mailTo(email);
    expect(mail.subject).toMatch(/confirm your email/i);
    expect(mail.code).toMatch(/^\d{6}$/);
    // The password alone signs nobody in, and creates no account yet.
    expect((await me(agent)).status).toBe(401);
    expect(await t.app.get(UserStore).findByEmail(email)).toBeNull();

    const verify = await agent.post('/verify').send({ code: mail.code });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    const who = await me(agent);
    expect(who.status).toBe(200);
    expect(who.body).toEqual({
      email,
      aal: 2,
      amr: ['pwd', 'otp', 'mfa'],
      factors: ['pwd', 'email_otp'],
      authTime: expect.any(String),
    });
    const home = await agent.get('/home');
    expect(home.status).toBe(200);
    expect(home.text).toContain(email);

    const logout = await agent.post('/logout').send({});
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');
    expect((await me(agent)).status).toBe(401);

    await sleepUntil(registeredAt + 1050); // OTP_RESEND_SECONDS=1
    const signedInAt = Date.now();
    const start = await agent.post('/auth').send({ email, password: PASSWORD });
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });
    const signInMail = await t.mailTo(email);
    expect(signInMail.subject).toMatch(/sign-in code/i);
    // Password passed, code pending: still not signed in.
    expect((await me(agent)).status).toBe(401);

    const again = await agent.post('/verify').send({ code: signInMail.code });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'authenticated', next: '/home' });
    const who2 = await me(agent);
    expect(who2.body).toMatchObject({ email, aal: 2, amr: ['pwd', 'otp', 'mfa'] });
    expect(Date.parse(who2.body.authTime)).toBeGreaterThanOrEqual(signedInAt);
  });

  it('a wrong password and an unknown email both answer 401 invalid_credentials with identical bodies', async () => {
    const email = uniqueEmail('known');
    const unknown = uniqueEmail('unknown');
    await seedAccount(t, email);
    const agent = t.agent();

    const wrong = await agent.post('/auth').send({ email, password: 'not the password' });
    const missing = await t.agent().post('/auth').send({ email: unknown, password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual(wrong.body);
    // The account's activity records the failure; the unknown address gets no activity list.
    const accounts = t.app.get(AccountStore);
    await expect
      .poll(async () => (await accounts.activity(email, 10)).map((e) => e.event))
      .toContain('auth.factor_failed');
    expect(await accounts.activity(unknown, 10)).toEqual([]);
    // Nothing is pending after a refused password.
    expect((await agent.get('/verify')).headers.location).toBe('/auth');

    // The right password still works afterwards.
    await signIn(t, agent, email);
    expect((await me(agent)).body).toMatchObject({ email, aal: 2, amr: ['pwd', 'otp', 'mfa'] });
    expect(t.smtp.mailsTo(unknown)).toEqual([]);
  });

  it('POST /auth without a password answers 400 validation_failed naming the field', async () => {
    const email = uniqueEmail('nopw');
    await seedAccount(t, email);
    const res = await t.agent().post('/auth').send({ email });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation_failed', message: expect.any(String) });
    expect(res.body.details).toEqual([{ field: 'password', problems: [expect.any(String)] }]);
  });

  it('POST /register for an existing email answers like a new one, mails the owner a notice and changes nothing', async () => {
    const existing = uniqueEmail('taken');
    const fresh = uniqueEmail('fresh');
    const original = 'the original password';
    const attacker = 'someone elses password';
    await seedAccount(t, existing, original);
    const takenAgent = t.agent();
    const freshAgent = t.agent();

    const taken = await takenAgent.post('/register').send({ email: existing, password: attacker });
    const registeredAt = Date.now(); // at or after the server took the send from the budget
    const fine = await freshAgent.post('/register').send({ email: fresh, password: attacker });
    expect(fine.status).toBe(200);
    expect(taken.status).toBe(fine.status);
    expect(Object.keys(taken.body).sort()).toEqual(Object.keys(fine.body).sort());
    const { expiresAt: takenExpires, ...takenRest } = taken.body;
    const { expiresAt: fineExpires, ...fineRest } = fine.body;
    expect(takenRest).toEqual(fineRest);
    expect(Math.abs(Date.parse(takenExpires) - Date.parse(fineExpires))).toBeLessThan(5000);

    // The owner gets a notice, not a code; the new address gets its code.
    const notice = await t.mailTo(existing);
    expect(notice.subject).toMatch(/already have/i);
    expect(notice.code).toBeUndefined();
    expect(notice.text.replaceAll(existing, '')).not.toMatch(/\d{6}/);
    expect(notice.text).toContain('/auth');
    expect((await t.mailTo(fresh)).code).toMatch(/^\d{6}$/);

    // Its challenge refuses every code like a real one does a wrong code.
    const takenVerify = await takenAgent.post('/verify').send({ code: '123456' });
    expect(takenVerify.status).toBe(401);
    expect(takenVerify.body).toEqual({ error: 'invalid_code', message: expect.any(String), attemptsRemaining: 4 });
    expect((await me(takenAgent)).status).toBe(401);

    // The account is as it was: the new password is refused, the original one signs in.
    const withAttacker = await t.agent().post('/auth').send({ email: existing, password: attacker });
    expect(withAttacker.status).toBe(401);
    expect(withAttacker.body.error).toBe('invalid_credentials');
    await sleepUntil(registeredAt + 1050); // the register used the address's send budget
    const owner = t.agent();
    await signIn(t, owner, existing, original);
    expect((await me(owner)).body).toMatchObject({ email: existing, aal: 2, amr: ['pwd', 'otp', 'mfa'] });
  });

  it('the sign-in page links to the sign-up page', async () => {
    const page = await t.agent().get('/auth');
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/register"');
    const reg = await t.agent().get('/register');
    expect(reg.status).toBe(200);
    expect(reg.text).toMatch(/<form method="post" action="\/register"/);
  });

  it('POST /logout as JSON answers 204, clears the cookie and deletes the session from Redis', async () => {
    const email = uniqueEmail('logout');
    await seedAccount(t, email);
    const agent = t.agent();
    const verify = await signIn(t, agent, email);
    const cookie = sessionCookie(verify);
    const key = `sess:${sessionId(cookie)}`;
    expect(await redisExists(key)).toBe(1);
    // The cookie alone is the session: a fresh client replaying it is signed in.
    expect((await request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', cookie)).status).toBe(200);

    const logout = await agent.post('/logout').set('Content-Type', JSON_TYPE).send({});
    expect(logout.status).toBe(204);
    const cleared = ([] as string[]).concat(logout.headers['set-cookie'] ?? []).find((c) => c.startsWith('sid='));
    expect(cleared).toMatch(/^sid=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);

    expect((await me(agent)).status).toBe(401);
    const replay = await request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', cookie);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'unauthenticated' });
    const replayPage = await request(t.http).get('/home').set('Cookie', cookie);
    expect(replayPage.status).toBe(303);
    expect(replayPage.headers.location).toBe('/auth');
    expect(await redisExists(key)).toBe(0);
  });
});

describe('password mode, sign-up closed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ...BASE_ENV, AUTH_SIGNUP: 'closed' });
  });
  afterAll(() => t?.close());

  it('GET /register answers 403 signup_closed, as JSON and as a page', async () => {
    const json = await t.agent().get('/register').set('Accept', JSON_TYPE);
    expect(json.status).toBe(403);
    expect(json.body).toEqual({ error: 'signup_closed', message: expect.any(String) });
    const page = await t.agent().get('/register');
    expect(page.status).toBe(403);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain(json.body.message);
    expect(page.text).not.toMatch(/action="\/register"/);
  });

  it('POST /register answers 403 signup_closed, as JSON and as a form, and creates nothing', async () => {
    const email = uniqueEmail('closed');
    const json = await t.agent().post('/register').send({ email, password: PASSWORD });
    expect(json.status).toBe(403);
    expect(json.body).toEqual({ error: 'signup_closed', message: expect.any(String) });

    const browser = t.agent();
    const signInPage = await browser.get('/auth');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(signInPage.text)?.[1];
    expect(csrf).toBeTruthy();
    const form = await browser.post('/register').type('form').send({ _csrf: csrf, email, password: PASSWORD });
    expect(form.status).toBe(403);
    expect(form.type).toBe('text/html');
    expect(form.text).toContain(json.body.message);

    expect(await t.app.get(UserStore).findByEmail(email)).toBeNull();
    expect((await browser.get('/verify')).headers.location).toBe('/auth');
  });

  it('existing accounts still sign in, and the sign-in page offers no sign-up', async () => {
    const email = uniqueEmail('member');
    await seedAccount(t, email);
    const agent = t.agent();
    const page = await agent.get('/auth');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('href="/register"');
    await signIn(t, agent, email);
    expect((await me(agent)).body).toMatchObject({ email, aal: 2, amr: ['pwd', 'otp', 'mfa'] });
  });
});
