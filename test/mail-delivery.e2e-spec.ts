/**
 * Mail delivery failures, end to end with a real SMTP server whose RCPT TO replies are scripted
 * per recipient: a permanent refusal (5xx) is never retried, temporary ones (4xx, a refused
 * connection) are retried three times (0.25 s, 1 s, 4 s); a code mail given up on marks its
 * challenge undelivered, which `GET /verify/status` and the code page report (identically whether
 * or not the account exists), and a resend clears. Also: which addresses the email field takes
 * (a WHATWG "valid email address", checked after the domain is turned to punycode).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { MailDispatcher } from '../src/mail/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { freePort } from './support/redis.js';

const JSON_TYPE = 'application/json';
const HTML_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';
const PASSWORD = 'correct horse battery staple';
/** The dispatcher's retry delays, and the time by which every retry of a mail has been made. */
const RETRY_DELAYS_MS = [250, 1000, 4000];
const ALL_RETRIES_MS = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);

type Agent = ReturnType<TestApp['agent']>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until epoch ms `at`. */
const sleepUntil = (at: number) => sleep(Math.max(0, at - Date.now()));

const catalog = (locale: string) =>
  JSON.parse(readFileSync(new URL(`../views/locales/${locale}.json`, import.meta.url), 'utf8')) as Record<
    string,
    string
  >;
const EN = catalog('en');
const FR = catalog('fr');

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

/** The catalog's `verify.undelivered` sentence for `email`, as the page shows it. */
const undeliveredText = (messages: Record<string, string>, email: string) =>
  escapeHtml(messages['verify.undelivered'].replace('{email}', email));

/** The `#delivery-failed` element of the code page: whether it is hidden, and its content. */
function deliveryNotice(html: string): { hidden: boolean; inner: string } {
  const m = /<div([^>]*\bid="delivery-failed"[^>]*)>([\s\S]*?)<\/div>/.exec(html);
  if (!m) throw new Error(`No #delivery-failed element in the page:\n${html}`);
  return { hidden: /\bhidden\b/.test(m[1]), inner: m[2] };
}

/** The `_csrf` hidden input of a page. */
function csrfFrom(html: string): string {
  const token = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html)?.[1];
  if (!token) throw new Error(`No _csrf input in the page:\n${html}`);
  return token;
}

const status = (agent: Agent) => agent.get('/verify/status').set('Accept', JSON_TYPE);

/** Polls `GET /verify/status` until `delivery` is `want`; returns that answer. */
async function waitForDelivery(agent: Agent, want: 'sent' | 'failed', timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await status(agent);
    expect(res.status).toBe(200);
    if (res.body.delivery === want) return res;
    if (Date.now() > deadline)
      throw new Error(`delivery still ${JSON.stringify(res.body)} after ${timeoutMs} ms, want ${want}`);
    await sleep(50);
  }
}

/** An answer's body without `expiresAt` (which differs by the milliseconds between two requests). */
function withoutExpiry(body: Record<string, unknown>): Record<string, unknown> {
  const { expiresAt, ...rest } = body;
  expect(typeof expiresAt).toBe('string');
  return rest;
}

describe('email mode: a code mail that cannot be delivered', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('a permanent refusal (550) is tried once, never retried, and reported; a resend clears the report', async () => {
    const email = uniqueEmail('refused');
    t.smtp.refuse(email, [550]);
    const agent = t.agent();
    const sentAt = Date.now();
    const start = await agent.post('/auth').send({ email });
    // The answer never waits for delivery: the same answer as for any address.
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });

    const failed = await waitForDelivery(agent, 'failed');
    expect(failed.body).toEqual({
      status: 'pending',
      step: 'email_otp',
      factors: [],
      expiresAt: start.body.expiresAt,
      attemptsRemaining: 5,
      resendAfter: expect.any(Number),
      delivery: 'failed',
    });
    expect(t.smtp.rcptAttempts(email)).toBe(1);

    // Past the last retry delay a retry would have come, and found the mailbox accepting.
    await sleepUntil(sentAt + ALL_RETRIES_MS + 750);
    expect(t.smtp.rcptAttempts(email)).toBe(1);
    expect(t.smtp.mailsTo(email)).toEqual([]);
    expect((await status(agent)).body).toEqual({ ...failed.body, resendAfter: 0 });

    const page = await agent.get('/verify');
    expect(page.status).toBe(200);
    const notice = deliveryNotice(page.text);
    expect(notice.hidden).toBe(false);
    expect(notice.inner).toContain(undeliveredText(EN, email));
    expect(notice.inner).toContain(email);
    expect(notice.inner).toMatch(/<a href="\/auth">Use another address<\/a>/);

    const french = await agent.get('/verify').set('Accept-Language', 'fr');
    expect(french.status).toBe(200);
    const frNotice = deliveryNotice(french.text);
    expect(frNotice.hidden).toBe(false);
    expect(frNotice.inner).toContain(undeliveredText(FR, email));
    expect(frNotice.inner).toContain(`<a href="/auth">${escapeHtml(FR['verify.changeAddress'])}</a>`);

    // A resend that goes through clears the mark: a new mail goes out, and arrives.
    const resend = await agent.post('/verify/resend').send({});
    expect(resend.status).toBe(200);
    expect(resend.body).toEqual({ status: 'code_sent', resendAfter: 1 });
    expect((await status(agent)).body.delivery).toBe('sent');
    const mail = await t.mailTo(email);
    expect(t.smtp.rcptAttempts(email)).toBe(2);
    const after = await agent.get('/verify');
    expect(deliveryNotice(after.text).hidden).toBe(true);
    expect((await status(agent)).body).toMatchObject({ status: 'pending', delivery: 'sent', attemptsRemaining: 5 });
    const verify = await agent.post('/verify').send({ code: mail.code });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
  });

  it('a temporary refusal (451) then an acceptance: retried after 0.25 s, delivered exactly once, status sent', async () => {
    const email = uniqueEmail('greylisted');
    t.smtp.refuse(email, [451, 250]);
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);

    const mail = await t.mailTo(email);
    const [first, second] = t.smtp.rcptTimes(email);
    expect(second - first).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0] - 10);
    expect(second - first).toBeLessThan(RETRY_DELAYS_MS[0] + 750);
    // No further attempt after the delivery (the next retry would be due 1 s after the second).
    await sleep(RETRY_DELAYS_MS[1] + 500);
    expect(t.smtp.rcptAttempts(email)).toBe(2);
    expect(t.smtp.mailsTo(email)).toHaveLength(1);
    expect((await status(agent)).body).toMatchObject({ status: 'pending', delivery: 'sent' });
    expect(deliveryNotice((await agent.get('/verify')).text).hidden).toBe(true);

    const verify = await agent.post('/verify').send({ code: mail.code });
    expect(verify.status).toBe(200);
  });

  it('temporary refusals every time: four attempts (0.25 s, 1 s, 4 s apart), then reported as failed', async () => {
    const email = uniqueEmail('busy');
    // No 421 here: nodemailer's pool itself re-sends at once a mail whose reused connection
    // answers 421 (a server closing an idle connection), which would add an attempt.
    t.smtp.refuse(email, [451, 450, 452, 451]);
    const agent = t.agent();
    const sentAt = Date.now();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);

    // Before the last retry, the mail is not given up on.
    await sleepUntil(sentAt + RETRY_DELAYS_MS[0] + RETRY_DELAYS_MS[1] + 1000);
    expect(t.smtp.rcptAttempts(email)).toBe(3);
    expect((await status(agent)).body.delivery).toBe('sent');

    await waitForDelivery(agent, 'failed', RETRY_DELAYS_MS[2] + 2000);
    const times = t.smtp.rcptTimes(email);
    expect(times).toHaveLength(4);
    times.slice(1).forEach((at, i) => {
      expect(at - times[i], `gap before retry ${i + 1}`).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i] - 10);
      expect(at - times[i], `gap before retry ${i + 1}`).toBeLessThan(RETRY_DELAYS_MS[i] + 750);
    });
    await sleep(1000);
    expect(t.smtp.rcptAttempts(email)).toBe(4);
    expect(t.smtp.mailsTo(email)).toEqual([]);
    expect(deliveryNotice((await agent.get('/verify')).text).hidden).toBe(false);
  });

  it('410 challenge_expired from /verify/status when no challenge is pending', async () => {
    const res = await t.agent().get('/verify/status').set('Accept', JSON_TYPE);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ error: 'challenge_expired' });
  });
});

describe('password mode: a reset code that cannot be delivered', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('is tried once and never reported: an unknown address is mailed nothing, so a mark would tell them apart', async () => {
    const known = uniqueEmail('reset-refused');
    const unknown = uniqueEmail('reset-unknown');
    const hash = await t.app.get(PasswordService).hash('a long and unusual passphrase 1');
    expect(await t.app.get(UserStore).create({ email: known, passwordHash: hash, createdAt: Date.now() })).toBe(true);
    t.smtp.refuse(known, [550]);
    t.smtp.refuse(unknown, [550]);
    const knownAgent = t.agent();
    const unknownAgent = t.agent();
    expect((await knownAgent.post('/password/forgot').send({ email: known })).body.status).toBe('code_sent');
    expect((await unknownAgent.post('/password/forgot').send({ email: unknown })).body.status).toBe('code_sent');
    await t.app.get(MailDispatcher).drain(3000);
    expect(t.smtp.rcptAttempts(known)).toBe(1);
    expect(t.smtp.rcptAttempts(unknown)).toBe(0);
    const k = await status(knownAgent);
    const u = await status(unknownAgent);
    expect(k.body.delivery).toBe('sent');
    expect(withoutExpiry(u.body)).toEqual(withoutExpiry(k.body));
    expect((await knownAgent.get('/password/reset')).text).not.toContain('id="delivery-failed"');
  });
});

describe('email mode, sign-up closed: a refused code is never reported', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', AUTH_SIGNUP: 'closed' });
  });
  afterAll(() => t?.close());

  it('an account and an unknown address (mailed nothing) answer alike after a 550', async () => {
    const known = uniqueEmail('closed-known');
    const unknown = uniqueEmail('closed-unknown');
    expect(await t.app.get(UserStore).create({ email: known, createdAt: Date.now() })).toBe(true);
    t.smtp.refuse(known, [550]);
    const knownAgent = t.agent();
    const unknownAgent = t.agent();
    expect((await knownAgent.post('/auth').send({ email: known })).body.status).toBe('code_sent');
    expect((await unknownAgent.post('/auth').send({ email: unknown })).body.status).toBe('code_sent');
    await t.app.get(MailDispatcher).drain(3000);
    expect(t.smtp.rcptAttempts(known)).toBe(1);
    const k = await status(knownAgent);
    const u = await status(unknownAgent);
    expect(k.body.delivery).toBe('sent');
    expect(withoutExpiry(u.body)).toEqual(withoutExpiry(k.body));
    expect(deliveryNotice((await knownAgent.get('/verify')).text).hidden).toBe(true);
  });
});

describe('email mode: an SMTP server that refuses connections', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on this port: every attempt is a refused connection (a temporary failure).
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', SMTP_URL: `smtp://user:pass@127.0.0.1:${await freePort()}` });
  });
  afterAll(() => t?.close());

  it('is retried, and the challenge is reported undelivered only after the last retry', async () => {
    const agent = t.agent();
    const sentAt = Date.now();
    expect((await agent.post('/auth').send({ email: uniqueEmail('no-server') })).status).toBe(200);
    await sleepUntil(sentAt + RETRY_DELAYS_MS[0] + RETRY_DELAYS_MS[1] + 1000);
    expect((await status(agent)).body.delivery).toBe('sent');
    const failed = await waitForDelivery(agent, 'failed', RETRY_DELAYS_MS[2] + 2000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(ALL_RETRIES_MS);
    expect(failed.body).toMatchObject({ status: 'pending', delivery: 'failed' });
  });
});

describe('an SMTP server that drops every connection at once', () => {
  let t: TestApp;
  let server: Server;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', SMTP_URL: `smtp://user:pass@127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is tried exactly four times (the pool re-sends nothing by itself), then reported undelivered', async () => {
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email: uniqueEmail('dropped') })).status).toBe(200);
    await waitForDelivery(agent, 'failed', ALL_RETRIES_MS + 3000);
    await sleep(1000);
    expect(connections).toBe(4);
  });
});

describe('enumeration: a refused mail tells nothing about the account', () => {
  describe('email mode, sign-up open', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
    });
    afterAll(() => t?.close());

    it('an unknown address and an existing account, both refused with 550, get identical answers and pages', async () => {
      const known = uniqueEmail('known');
      const unknown = uniqueEmail('unknown');
      expect(await t.app.get(UserStore).create({ email: known, createdAt: Date.now() })).toBe(true);
      t.smtp.refuse(known, [550]);
      t.smtp.refuse(unknown, [550]);
      const knownAgent = t.agent();
      const unknownAgent = t.agent();

      const k = await knownAgent.post('/auth').send({ email: known });
      const u = await unknownAgent.post('/auth').send({ email: unknown });
      expect(k.status).toBe(200);
      expect(u.status).toBe(k.status);
      expect(Object.keys(u.body).sort()).toEqual(Object.keys(k.body).sort());
      expect(withoutExpiry(u.body)).toEqual(withoutExpiry(k.body));

      const kStatus = await waitForDelivery(knownAgent, 'failed');
      const uStatus = await waitForDelivery(unknownAgent, 'failed');
      expect(Object.keys(uStatus.body).sort()).toEqual(Object.keys(kStatus.body).sort());
      expect(withoutExpiry(uStatus.body)).toEqual(withoutExpiry(kStatus.body));
      expect(uStatus.body.delivery).toBe('failed');
      expect(t.smtp.rcptAttempts(known)).toBe(1);
      expect(t.smtp.rcptAttempts(unknown)).toBe(1);

      const kPage = await knownAgent.get('/verify');
      const uPage = await unknownAgent.get('/verify');
      expect(kPage.status).toBe(200);
      expect(uPage.status).toBe(200);
      const kNotice = deliveryNotice(kPage.text);
      const uNotice = deliveryNotice(uPage.text);
      expect(kNotice.hidden).toBe(false);
      expect(uNotice.hidden).toBe(false);
      expect(uNotice.inner).toContain(unknown);
      expect(uNotice.inner.replaceAll(unknown, '<email>')).toBe(kNotice.inner.replaceAll(known, '<email>'));
    });
  });

  describe('password mode, POST /register', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'password' });
    });
    afterAll(() => t?.close());

    it('an existing account (a notice mail) and a new address (a code mail), both refused with 550, both end undelivered', async () => {
      const existing = uniqueEmail('existing');
      const fresh = uniqueEmail('fresh');
      const passwordHash = await t.app.get(PasswordService).hash('another password entirely');
      expect(await t.app.get(UserStore).create({ email: existing, passwordHash, createdAt: Date.now() })).toBe(true);
      t.smtp.refuse(existing, [550]);
      t.smtp.refuse(fresh, [550]);
      const existingAgent = t.agent();
      const freshAgent = t.agent();

      const e = await existingAgent.post('/register').send({ email: existing, password: PASSWORD });
      const f = await freshAgent.post('/register').send({ email: fresh, password: PASSWORD });
      expect(e.status).toBe(200);
      expect(f.status).toBe(e.status);
      expect(withoutExpiry(f.body)).toEqual(withoutExpiry(e.body));
      expect(withoutExpiry(f.body)).toEqual({ status: 'code_sent', next: '/verify', resendAfter: 60 });

      const eStatus = await waitForDelivery(existingAgent, 'failed');
      const fStatus = await waitForDelivery(freshAgent, 'failed');
      expect(withoutExpiry(fStatus.body)).toEqual(withoutExpiry(eStatus.body));
      expect(eStatus.body).toMatchObject({ status: 'pending', delivery: 'failed' });
      expect(t.smtp.rcptAttempts(existing)).toBe(1);
      expect(t.smtp.rcptAttempts(fresh)).toBe(1);

      const ePage = deliveryNotice((await existingAgent.get('/verify')).text);
      const fPage = deliveryNotice((await freshAgent.get('/verify')).text);
      expect(ePage.hidden).toBe(false);
      expect(fPage.hidden).toBe(false);
      expect(fPage.inner.replaceAll(fresh, '<email>')).toBe(ePage.inner.replaceAll(existing, '<email>'));
      // The existing account is untouched.
      expect((await t.app.get(UserStore).findByEmail(existing))?.passwordHash).toBe(passwordHash);
    });
  });
});

/** Addresses that are not a WHATWG "valid email address" (after the domain is turned to punycode). */
const INVALID = [
  '"x@y z"@example.test', // quoted local part
  '"a"@example.test',
  'a b@example.test',
  'josé@example.test', // non-ASCII local part
  'a@@example.test',
  'a@-example.test', // a label starting with a hyphen
  'a@example-.test', // a label ending with a hyphen
  'a@example..test', // an empty label
  'a@example.test.', // a trailing dot
  'a@exa_mple.test',
  '@example.test',
  'a@',
  `${'a'.repeat(65)}@example.test`, // a local part of 65 characters
  `a@${'b'.repeat(64)}.example`, // a label of 64 characters
];

describe('which addresses the email field takes', () => {
  let emailApp: TestApp;
  let passwordApp: TestApp;
  beforeAll(async () => {
    [emailApp, passwordApp] = await Promise.all([
      createTestApp({ AUTH_FIRST_FACTOR: 'email' }),
      createTestApp({ AUTH_FIRST_FACTOR: 'password' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([emailApp?.close(), passwordApp?.close()]);
  });

  function expectValidationOfEmail(res: { status: number; body: Record<string, unknown> }, what: string) {
    expect(res.status, what).toBe(400);
    expect(res.body, what).toEqual({
      error: 'validation_failed',
      message: expect.any(String),
      details: expect.any(Array),
    });
    const details = res.body.details as { field: string; problems: string[] }[];
    expect(
      details.map((d) => d.field),
      what,
    ).toEqual(['email']);
    expect(details[0].problems.length, what).toBeGreaterThan(0);
  }

  /** The page re-rendered after a refused form post shows the email field's error. */
  function expectFormError(res: { status: number; type: string; text: string }, what: string) {
    expect(res.status, what).toBe(400);
    expect(res.type, what).toBe('text/html');
    const summary = /<div class="error"[^>]*id="form-error"[^>]*>([\s\S]*?)<\/div>/.exec(res.text);
    expect(summary, what).not.toBeNull();
    expect(summary![0], what).not.toMatch(/\shidden[\s>]/);
    expect(summary![1], what).toContain(escapeHtml(EN['error.field.email']));
  }

  it.each(INVALID)(
    'refuses %s with 400 validation_failed on POST /auth and POST /register (JSON and form), and mails nothing',
    async (email) => {
      const before = { email: emailApp.smtp.mails.length, password: passwordApp.smtp.mails.length };

      expectValidationOfEmail(await emailApp.agent().post('/auth').send({ email }), `${email}: POST /auth (JSON)`);
      expectValidationOfEmail(
        await passwordApp.agent().post('/auth').send({ email, password: PASSWORD }),
        `${email}: POST /auth (JSON, password mode)`,
      );
      expectValidationOfEmail(
        await passwordApp.agent().post('/register').send({ email, password: PASSWORD }),
        `${email}: POST /register (JSON)`,
      );

      const browser = emailApp.agent();
      const signIn = await browser.get('/auth');
      const form = await browser
        .post('/auth')
        .type('form')
        .set('Accept', HTML_ACCEPT)
        .send({ _csrf: csrfFrom(signIn.text), email });
      expectFormError(form, `${email}: POST /auth (form)`);

      const registrant = passwordApp.agent();
      const register = await registrant.get('/register');
      const regForm = await registrant
        .post('/register')
        .type('form')
        .set('Accept', HTML_ACCEPT)
        .send({ _csrf: csrfFrom(register.text), email, password: PASSWORD });
      expectFormError(regForm, `${email}: POST /register (form)`);

      // Nothing was handed to the mailer, nor reached the SMTP server.
      await Promise.all([
        emailApp.app.get(MailDispatcher).drain(2000),
        passwordApp.app.get(MailDispatcher).drain(2000),
      ]);
      expect(emailApp.smtp.mails.length, email).toBe(before.email);
      expect(passwordApp.smtp.mails.length, email).toBe(before.password);
    },
  );

  const tag = () => randomBytes(4).toString('hex');
  /** Valid edge cases: the address as typed, and the recipient the test SMTP server reports. */
  const VALID: { email: string; to: string; why: string }[] = (() => {
    const local = `a${tag()}`;
    const quote = uniqueEmail("o'brien+tag");
    const idn = `x${tag()}`;
    const long = `${tag()}${'a'.repeat(56)}`;
    const label = `l${tag()}`;
    const dotted = `.d${tag()}`;
    return [
      { why: 'a dotless domain', email: `${local}@localhost`, to: `${local}@localhost` },
      { why: 'an apostrophe and a plus in the local part', email: quote, to: quote },
      // smtp-server reports a punycode domain in Unicode; the identifier is checked on the page below.
      { why: 'an internationalised domain', email: `${idn}@bücher.example`, to: `${idn}@bücher.example` },
      { why: 'a local part of 64 characters', email: `${long}@example.test`, to: `${long}@example.test` },
      {
        why: 'a label of 63 characters',
        email: `${label}@${'b'.repeat(63)}.example`,
        to: `${label}@${'b'.repeat(63)}.example`,
      },
      // Not an RFC 5321 dot-atom, so nodemailer quotes the local part in the envelope.
      {
        why: 'a leading dot in the local part (WHATWG allows it)',
        email: `${dotted}@example.test`,
        to: `"${dotted}"@example.test`,
      },
    ];
  })();

  it.each(VALID)('accepts $why ($email): 200 code_sent, and the code is mailed', async ({ email, to }) => {
    expect(email.split('@')[0].length).toBeLessThanOrEqual(64);
    const res = await emailApp.agent().post('/auth').send({ email });
    expect(res.status, email).toBe(200);
    expect(res.body, email).toMatchObject({ status: 'code_sent', next: '/verify' });
    expect((await emailApp.mailTo(to)).code, email).toMatch(/^\d{6}$/);
  });

  it('keeps an internationalised domain in its punycode form: one identifier for both spellings', async () => {
    const local = `i${tag()}`;
    const agent = emailApp.agent();
    expect((await agent.post('/auth').send({ email: `${local}@Bücher.Example` })).status).toBe(200);
    const page = await agent.get('/verify');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`${local}@xn--bcher-kva.example`);
    expect(page.text).not.toContain('bücher');
    // The same mailbox spelt in ASCII is the same identifier: its send cooldown (60 s) applies.
    const again = await emailApp
      .agent()
      .post('/auth')
      .send({ email: `${local}@xn--bcher-kva.example` });
    expect(again.status).toBe(429);
    expect(again.body).toMatchObject({ error: 'rate_limited' });
  });
});
