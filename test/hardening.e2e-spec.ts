import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { type RedisProcess, startRedisServer } from './support/redis.js';

const PASSWORD = 'correct horse battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a session of too low a level after a mode change', () => {
  const SESSION_SECRET = randomBytes(24).toString('base64url');
  let emailMode: TestApp;
  let passwordMode: TestApp;
  beforeAll(async () => {
    emailMode = await createTestApp({ AUTH_FIRST_FACTOR: 'email', SESSION_SECRET });
    passwordMode = await createTestApp({ AUTH_FIRST_FACTOR: 'password', SESSION_SECRET });
  });
  afterAll(async () => {
    await emailMode.close();
    await passwordMode.close();
  });

  it('gets the sign-in page, not a redirect loop between /auth and /home', async () => {
    const email = uniqueEmail();
    const agent = emailMode.agent();
    await agent.post('/auth').send({ email });
    const verify = await agent.post('/verify').send({ code: await emailMode.codeFor(email) });
    expect(verify.status).toBe(200);
    const cookie = verify.headers['set-cookie'] as unknown as string[];

    // The same browser, now on a password-mode server: one factor (aal 1) is not enough.
    const home = await passwordMode.agent().get('/home').set('Cookie', cookie);
    expect(home.status).toBe(303);
    expect(home.headers.location).toBe('/auth');
    const signIn = await passwordMode.agent().get('/auth').set('Cookie', cookie);
    expect(signIn.status).toBe(200);
    expect(signIn.text).toContain('name="password"');
  });
});

describe('password-mode sign-up race', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t.close());

  it('a second sign-up of the same address cannot sign in with its unchecked password', async () => {
    const email = uniqueEmail('race');
    const first = t.agent();
    const second = t.agent();
    expect((await first.post('/register').send({ email, password: PASSWORD })).status).toBe(200);
    const firstCode = await t.codeFor(email);
    await sleep(1100); // the identifier's resend cooldown
    expect((await second.post('/register').send({ email, password: 'another password 2' })).status).toBe(200);
    const secondCode = await t.codeFor(email);

    expect((await first.post('/verify').send({ code: firstCode })).status).toBe(200);
    const late = await second.post('/verify').send({ code: secondCode });
    expect(late.status).toBe(410);
    expect(late.body.error).toBe('challenge_expired');
    expect((await second.get('/me').set('Accept', 'application/json')).status).toBe(401);

    // The account keeps the first password only.
    await sleep(1100);
    const wrong = await t.agent().post('/auth').send({ email, password: 'another password 2' });
    expect(wrong.status).toBe(401);
    const right = await t.agent().post('/auth').send({ email, password: PASSWORD });
    expect(right.status).toBe(200);
  });
});

describe('one spelling per mailbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
  });
  afterAll(() => t.close());

  it('treats Unicode NFC and NFD spellings of a domain as one identifier', async () => {
    const local = `a-${randomBytes(4).toString('hex')}`;
    const nfc = `${local}@jos\u00e9.example`;
    const nfd = `${local}@jose\u0301.example`;
    expect((await t.agent().post('/auth').send({ email: nfc })).status).toBe(200);
    const again = await t.agent().post('/auth').send({ email: nfd });
    expect(again.status).toBe(429); // the same identifier's cooldown
    expect(again.body.error).toBe('rate_limited');
  });

  it('refuses a local part outside ASCII (WHATWG), which no spelling can make one identifier', async () => {
    const res = await t
      .agent()
      .post('/auth')
      .send({ email: `jos\u00e9-${randomBytes(4).toString('hex')}@example.test` });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
  });

  it('treats an internationalised domain and its punycode form as one identifier', async () => {
    const local = `a-${randomBytes(4).toString('hex')}`;
    expect(
      (
        await t
          .agent()
          .post('/auth')
          .send({ email: `${local}@b\u00fccher.example` })
      ).status,
    ).toBe(200);
    const again = await t
      .agent()
      .post('/auth')
      .send({ email: `${local}@xn--bcher-kva.example` });
    expect(again.status).toBe(429);
  });
});

describe('registration closed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', AUTH_SIGNUP: 'closed' });
  });
  afterAll(() => t.close());

  it('answers 403 signup_closed before looking at the body', async () => {
    const res = await t.agent().post('/register').send({ email: 'not an email', password: 'x' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('signup_closed');
  });
});

describe('Origin check', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', APP_URL: 'https://signin.example.test' });
  });
  afterAll(() => t.close());

  it('trusts only APP_URL, not the Host the request names (DNS rebinding)', async () => {
    const res = await t
      .agent()
      .post('/auth')
      .set('Host', 'rebound.example')
      .set('Origin', 'http://rebound.example')
      .send({ email: uniqueEmail() });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('cross_site_request');
    const ok = await t
      .agent()
      .post('/auth')
      .set('Origin', 'https://signin.example.test')
      .send({ email: uniqueEmail() });
    expect(ok.status).toBe(200);
  });
});

describe('repeated JSON fields', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
  });
  afterAll(() => t.close());

  it('answers 400 validation_failed naming the field, and sends nothing', async () => {
    const a = uniqueEmail();
    const b = uniqueEmail();
    const res = await t
      .agent()
      .post('/auth')
      .set('Content-Type', 'application/json')
      .send(`{"email":"${a}","email":"${b}"}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual([{ field: 'email', problems: ['email is repeated'] }]);
    // Nothing was started: the address can ask for a code at once.
    expect((await t.agent().post('/auth').send({ email: b })).status).toBe(200);
  });
});

describe('SESSION_SECRET rotation', () => {
  const OLD = randomBytes(24).toString('base64url');
  const NEW = randomBytes(24).toString('base64url');
  let before: TestApp;
  let after: TestApp;
  beforeAll(async () => {
    before = await createTestApp({ AUTH_FIRST_FACTOR: 'email', SESSION_SECRET: OLD });
    after = await createTestApp({ AUTH_FIRST_FACTOR: 'email', SESSION_SECRET: `${NEW},${OLD}` });
  });
  afterAll(async () => {
    await before.close();
    await after.close();
  });

  it('keeps sessions signed with a secret listed after the first, and signs new ones with the first', async () => {
    const email = uniqueEmail();
    const agent = before.agent();
    await agent.post('/auth').send({ email });
    const verified = await agent.post('/verify').send({ code: await before.codeFor(email) });
    expect(verified.status).toBe(200);
    const oldCookie = verified.headers['set-cookie'] as unknown as string[];

    const me = await after.agent().get('/me').set('Cookie', oldCookie).set('Accept', 'application/json');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);

    // A session the rotated server starts is signed with the new secret: the old-only server refuses it.
    const other = uniqueEmail();
    const fresh = after.agent();
    await fresh.post('/auth').send({ email: other });
    const signedNew = await fresh.post('/verify').send({ code: await after.codeFor(other) });
    expect(signedNew.status).toBe(200);
    const newCookie = signedNew.headers['set-cookie'] as unknown as string[];
    expect((await after.agent().get('/me').set('Cookie', newCookie).set('Accept', 'application/json')).status).toBe(
      200,
    );
    expect((await before.agent().get('/me').set('Cookie', newCookie).set('Accept', 'application/json')).status).toBe(
      401,
    );
  });
});

describe('client addresses without TRUST_PROXY', () => {
  // Its own Redis: exhausting 127.0.0.1's budget on the shared one would block every other suite.
  let redis: RedisProcess;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startRedisServer();
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', RATE_LIMIT_PER_MINUTE: '2', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('ignores X-Forwarded-For: a client cannot pick a fresh address to dodge the budget', async () => {
    // Every request comes from 127.0.0.1, whatever the header says, so the budget of 2 is shared.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t
        .agent()
        .post('/auth')
        .set('X-Forwarded-For', `198.18.${i}.${1 + Math.floor(Math.random() * 250)}`)
        .send({ email: uniqueEmail() });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('OTP_LENGTH', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_LENGTH: '8' });
  });
  afterAll(() => t.close());

  it('mails codes of that length and takes only that length', async () => {
    const email = uniqueEmail();
    const agent = t.agent();
    await agent.post('/auth').send({ email });
    const mail = await t.mailTo(email);
    const code = /\b(\d{8})\b/.exec(mail.text)?.[1];
    expect(code).toMatch(/^\d{8}$/);
    const short = await agent.post('/verify').send({ code: code!.slice(0, 6) });
    expect(short.status).toBe(400);
    expect(short.body.error).toBe('validation_failed');
    expect((await agent.post('/verify').send({ code })).status).toBe(200);
  });
});
