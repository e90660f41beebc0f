import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../src/account/index.js';
import { UserStore } from '../src/auth/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { connectTestRedis } from './support/redis.js';
import { extractCode } from './support/smtp.js';

/**
 * The email-only flow (AUTH_FIRST_FACTOR=email) end to end, as a JSON client: sign-up and
 * sign-in with the code read from the delivered mail, closed sign-up without enumeration,
 * and the development outbox. Form posts are in forms.e2e-spec.ts.
 */

const JSON_TYPE = 'application/json';
/** Many requests from one loopback address: keep any per-IP limit out of the way. */
const BASE_ENV = { AUTH_FIRST_FACTOR: 'email', RATE_LIMIT_PER_MINUTE: '100000' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until epoch ms `at` (e.g. the end of a 1 s resend cooldown). */
const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));

type Agent = ReturnType<TestApp['agent']>;

/** GET /me as a JSON client. */
const me = (agent: Agent) => agent.get('/me').set('Accept', JSON_TYPE);

/** A 6-digit code that is not `code`. */
const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

describe('email mode, sign-up open', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ...BASE_ENV, OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('a new address gets a sign-up code, and verifying it creates the account and signs in (aal 1, amr [otp])', async () => {
    const email = uniqueEmail('new');
    const users = t.app.get(UserStore);
    expect(await users.findByEmail(email)).toBeNull();
    const agent = t.agent();

    const before = Date.now();
    const start = await agent.post('/auth').send({ email });
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });
    const expiresAt = Date.parse(start.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);

    const mail = await t.mailTo(email);
    expect(mail.subject).toMatch(/confirm your email/i);
    expect(mail.code).toMatch(/^\d{6}$/);
    // Asking for a code creates nothing and signs nobody in: no account, no activity list.
    expect(await users.findByEmail(email)).toBeNull();
    expect((await me(agent)).status).toBe(401);
    const accounts = t.app.get(AccountStore);
    expect(await accounts.activity(email, 10)).toEqual([]);

    const verify = await agent.post('/verify').send({ code: mail.code });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });

    const who = await me(agent);
    expect(who.status).toBe(200);
    expect(who.body).toEqual({ email, aal: 1, amr: ['otp'], factors: ['email_otp'], authTime: expect.any(String) });
    const authTime = Date.parse(who.body.authTime);
    expect(authTime).toBeGreaterThanOrEqual(before);
    expect(authTime).toBeLessThanOrEqual(Date.now());
    expect(await users.findByEmail(email)).toMatchObject({ email });
    // The account's history starts at its first sign-in.
    await expect
      .poll(async () => (await accounts.activity(email, 10)).map((e) => e.event))
      .toEqual(['auth.signed_in', 'auth.factor_passed']);

    const home = await agent.get('/home');
    expect(home.status).toBe(200);
    expect(home.text).toContain(email);
  });

  it('a known address gets a sign-in code and signs in', async () => {
    const email = uniqueEmail('known');
    await t.app.get(UserStore).create({ email, createdAt: Date.now() });
    const agent = t.agent();

    const start = await agent.post('/auth').send({ email });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ status: 'code_sent', next: '/verify', resendAfter: 1 });
    const mail = await t.mailTo(email);
    expect(mail.subject).toMatch(/sign-in code/i);
    expect(mail.subject).not.toMatch(/confirm/i);
    expect(mail.text).toContain(mail.code);

    const verify = await agent.post('/verify').send({ code: mail.code });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(agent)).body).toMatchObject({ email, aal: 1, amr: ['otp'] });
  });

  it('the account made at sign-up is known afterwards: signing out and in again sends a sign-in code', async () => {
    const email = uniqueEmail('again');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    const firstSend = Date.now(); // at or after the server took the send from the budget
    const first = await t.mailTo(email);
    expect(first.subject).toMatch(/confirm your email/i);
    expect((await agent.post('/verify').send({ code: first.code })).status).toBe(200);

    expect((await agent.post('/logout').send({})).status).toBe(204);
    expect((await me(agent)).status).toBe(401);

    await sleepUntil(firstSend + 1050); // OTP_RESEND_SECONDS=1
    const again = await agent.post('/auth').send({ email });
    expect(again.status).toBe(200);
    const mail = await t.mailTo(email);
    expect(mail.subject).toMatch(/sign-in code/i);
    expect(mail.code).not.toBe(first.code);
    expect((await agent.post('/verify').send({ code: mail.code })).status).toBe(200);
    expect((await me(agent)).body).toMatchObject({ email, aal: 1, amr: ['otp'] });
  });

  it('normalises the address: another case and surrounding spaces reach the same account', async () => {
    const email = uniqueEmail('case');
    await t.app.get(UserStore).create({ email, createdAt: Date.now() });
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email: `  ${email.toUpperCase()}\t` })).status).toBe(200);
    const mail = await t.mailTo(email);
    expect(mail.subject).toMatch(/sign-in code/i);
    expect((await agent.post('/verify').send({ code: mail.code })).status).toBe(200);
    expect((await me(agent)).body.email).toBe(email);
  });
});

describe('email mode, sign-up closed', () => {
  let t: TestApp;
  let users: UserStore;
  beforeAll(async () => {
    t = await createTestApp({ ...BASE_ENV, AUTH_SIGNUP: 'closed' });
    users = t.app.get(UserStore);
  });
  afterAll(() => t?.close());

  /** Starts sign-in for a known and an unknown address, each in its own browser. */
  async function startBoth() {
    const known = uniqueEmail('known');
    const unknown = uniqueEmail('unknown');
    await users.create({ email: known, createdAt: Date.now() });
    const knownAgent = t.agent();
    const unknownAgent = t.agent();
    // The unknown one first: by the time the known one's mail has arrived, a mail to the unknown one would have too.
    const unknownStart = await unknownAgent.post('/auth').send({ email: unknown });
    const knownStart = await knownAgent.post('/auth').send({ email: known });
    return { known, unknown, knownAgent, unknownAgent, knownStart, unknownStart };
  }

  const headerNames = (res: request.Response) =>
    Object.keys(res.headers)
      .filter((h) => h !== 'date')
      .sort();

  it('an unknown address gets the very same answer as a known one, and no mail is sent to it', async () => {
    const { known, unknown, knownAgent, knownStart, unknownStart } = await startBoth();

    expect(knownStart.status).toBe(200);
    expect(unknownStart.status).toBe(knownStart.status);
    expect(headerNames(unknownStart)).toEqual(headerNames(knownStart));
    expect(unknownStart.headers['set-cookie']).toBeDefined();
    expect(Object.keys(unknownStart.body).sort()).toEqual(Object.keys(knownStart.body).sort());
    const { expiresAt: unknownExpires, ...unknownRest } = unknownStart.body;
    const { expiresAt: knownExpires, ...knownRest } = knownStart.body;
    expect(unknownRest).toEqual(knownRest);
    expect(unknownRest).toEqual({ status: 'code_sent', next: '/verify', resendAfter: 60 });
    expect(Math.abs(Date.parse(unknownExpires) - Date.parse(knownExpires))).toBeLessThan(5000);

    const mail = await t.mailTo(known);
    expect(mail.code).toMatch(/^\d{6}$/);
    await sleep(300); // the unknown one's mail, if any, was handed over before the known one's
    expect(t.smtp.mailsTo(unknown)).toEqual([]);
    expect(await users.findByEmail(unknown)).toBeNull();
    // The decoy leaves no activity list for the unknown address; the known one's records the step.
    const accounts = t.app.get(AccountStore);
    await expect
      .poll(async () => (await accounts.activity(known, 10)).map((e) => e.event))
      .toEqual(expect.arrayContaining(['auth.challenge_started', 'auth.code_sent']));
    expect(await accounts.activity(unknown, 10)).toEqual([]);

    // The known address still signs in.
    expect((await knownAgent.post('/verify').send({ code: mail.code })).status).toBe(200);
    expect((await me(knownAgent)).body).toMatchObject({ email: known, aal: 1, amr: ['otp'] });
  });

  it("at /verify the unknown address's challenge counts down exactly like a real one, then is gone", async () => {
    const { known, unknown, knownAgent, unknownAgent } = await startBoth();
    const code = await t.codeFor(known);
    const wrong = wrongCode(code);

    const knownPage = await knownAgent.get('/verify');
    const unknownPage = await unknownAgent.get('/verify');
    expect(knownPage.status).toBe(200);
    expect(unknownPage.status).toBe(200);
    expect(unknownPage.text).toContain(unknown);

    for (const left of [4, 3, 2, 1, 0]) {
      const k = await knownAgent.post('/verify').send({ code: wrong });
      const u = await unknownAgent.post('/verify').send({ code: wrong });
      expect(k.status).toBe(401);
      expect(k.body).toEqual({ error: 'invalid_code', message: expect.any(String), attemptsRemaining: left });
      expect(u.status).toBe(k.status);
      expect(u.body).toEqual(k.body);
    }
    // Attempts used up: both challenges are gone, even for the right code.
    const k = await knownAgent.post('/verify').send({ code });
    const u = await unknownAgent.post('/verify').send({ code });
    expect(k.status).toBe(410);
    expect(k.body).toMatchObject({ error: 'challenge_expired' });
    expect(u.status).toBe(410);
    expect(u.body).toEqual(k.body);
    expect((await me(knownAgent)).status).toBe(401);
    expect((await me(unknownAgent)).status).toBe(401);
    expect(t.smtp.mailsTo(unknown)).toEqual([]);
    expect(await users.findByEmail(unknown)).toBeNull();
    // The decoy leaves no activity list for the unknown address; the known one's records the step.
    const accounts = t.app.get(AccountStore);
    await expect
      .poll(async () => (await accounts.activity(known, 10)).map((e) => e.event))
      .toEqual(expect.arrayContaining(['auth.challenge_started', 'auth.code_sent']));
    expect(await accounts.activity(unknown, 10)).toEqual([]);
  });
});

describe('development outbox (no REDIS_URL, no SMTP_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ...BASE_ENV, REDIS_URL: undefined, SMTP_URL: undefined, NODE_ENV: 'development' });
  });
  afterAll(() => t?.close());

  interface OutboxMail {
    to: string;
    subject: string;
    text: string;
    sentAt: string;
  }

  const outbox = async (): Promise<OutboxMail[]> => {
    const res = await request(t.http).get('/dev/outbox').set('Accept', JSON_TYPE);
    expect(res.status).toBe(200);
    expect(res.type).toBe(JSON_TYPE);
    return (res.body as { mails: OutboxMail[] }).mails;
  };

  /** Polls the outbox until a mail to `email` shows up (delivery happens after the answer). */
  async function outboxMailTo(email: string, timeoutMs = 3000): Promise<OutboxMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await outbox()).find((m) => m.to === email);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`No mail to ${email} in the outbox within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  it('runs on the in-process stores: a full email-mode sign-in with the code from GET /dev/outbox', async () => {
    const email = uniqueEmail('outbox');
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ status: 'code_sent', next: '/verify' });

    const mail = await outboxMailTo(email);
    expect(Object.keys(mail).sort()).toEqual(['sentAt', 'subject', 'text', 'to']);
    expect(mail.subject).toMatch(/confirm your email/i);
    expect(Number.isNaN(Date.parse(mail.sentAt))).toBe(false);
    const code = extractCode(mail.text);
    expect(code).toMatch(/^\d{6}$/);

    const verify = await agent.post('/verify').send({ code });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(agent)).body).toMatchObject({ email, aal: 1, amr: ['otp'] });

    // Nothing went through SMTP, and nothing reached the test Redis: the in-process stores were used.
    expect(t.smtp.mailsTo(email)).toEqual([]);
    const redis = await connectTestRedis();
    try {
      expect(await redis.exists(`user:${email}`)).toBe(0);
    } finally {
      redis.destroy();
    }
  });

  it('lists the newest mail first, as JSON and as an HTML page', async () => {
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    expect((await t.agent().post('/auth').send({ email: first })).status).toBe(200);
    await outboxMailTo(first);
    expect((await t.agent().post('/auth').send({ email: second })).status).toBe(200);
    await outboxMailTo(second);

    const mails = await outbox();
    const iFirst = mails.findIndex((m) => m.to === first);
    const iSecond = mails.findIndex((m) => m.to === second);
    expect(iSecond).toBeGreaterThanOrEqual(0);
    expect(iSecond).toBeLessThan(iFirst);
    expect(mails[0].to).toBe(second);
    expect(Date.parse(mails[iSecond].sentAt)).toBeGreaterThanOrEqual(Date.parse(mails[iFirst].sentAt));

    const page = await request(t.http).get('/dev/outbox');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('Development outbox');
    expect(page.text).toContain(first);
    expect(page.text).toContain(second);
    expect(page.text.indexOf(second)).toBeLessThan(page.text.indexOf(first));
  });
});

describe('development outbox in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    // createTestApp sets REDIS_URL, SMTP_URL, SESSION_SECRET and OTP_SECRET; production also needs APP_URL.
    t = await createTestApp({ ...BASE_ENV, NODE_ENV: 'production', APP_URL: 'http://localhost:3000' });
  });
  afterAll(() => t?.close());

  it('GET /dev/outbox is 404, as JSON and as a page, even after a mail went out', async () => {
    const email = uniqueEmail('prod');
    expect((await t.agent().post('/auth').send({ email })).status).toBe(200);
    await t.mailTo(email); // went through SMTP

    const json = await request(t.http).get('/dev/outbox').set('Accept', JSON_TYPE);
    expect(json.status).toBe(404);
    expect(json.body).toMatchObject({ error: 'not_found' });
    expect(JSON.stringify(json.body)).not.toContain(email);

    const page = await request(t.http).get('/dev/outbox');
    expect(page.status).toBe(404);
    expect(page.text).not.toContain(email);
  });
});
