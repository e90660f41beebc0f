import { readFileSync } from 'node:fs';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { MailDispatcher } from '../src/mail/index.js';
import { RecoveryCodeStore } from '../src/recovery-codes/index.js';
import { SettableClock } from '../src/testing/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import {
  type Agent,
  csrfFrom,
  enrolTotp,
  flushMfaKeys,
  HTML_ACCEPT,
  JSON_TYPE,
  mailMatching,
  me,
  PASSWORD,
  postForm,
  seedAccount,
  totpCode,
} from './support/mfa.js';
import { type RedisClient } from '../src/redis/index.js';
import { otpKey, connectTestRedis } from './support/redis.js';
import type { ReceivedMail } from './support/smtp.js';

/**
 * Password reset and change (password mode) end to end, as a JSON client and as a browser's plain
 * forms, against a real Redis and a real SMTP server: `POST /password/forgot` (the same answer for
 * an unknown address, which is mailed nothing, and the address's cooldown, caps and lock),
 * `POST /password/reset` (every session ends, the authenticator stays, wrong codes count, a decoy
 * for unknown addresses), `POST /account/password` (a fresh sign-in, the other sessions end, a
 * wrong current password counts), the notice mails in English and French, the password rules
 * (NIST SP 800-63B) on every route that sets a password, the pages, and the 404 of every route in
 * email mode. The app's clock is a {@link SettableClock}: it decides how old a sign-in is and which
 * authenticator code is current.
 */

const NEW_PASSWORD = 'tangerine orbit kettle lamp';
const OTHER_PASSWORD = 'quiet harbour copper violin';
/** Passwords the issue names as common (on the shipped list). */
const COMMON = ['password123', 'qwertyuiop', 'iloveyou1'];
const EMOJI = '\u{1F600}';
const RESET_CODE_SUBJECT = /^Reset your Sign-in password$/;
const SIGN_IN_CODE_SUBJECT = /^Your Sign-in sign-in code$/;
const TOTP_FACTORS = ['totp', 'recovery_code'];

const en = JSON.parse(readFileSync(new URL('../views/locales/en.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** OTP_RESEND_SECONDS=1: the address's cooldown since its last mail is over after this. */
const cooldown = () => sleep(1100);

/** `status error/status left=n retry-after`: what a client can see of an answer, without times. */
function summary(res: Response): string {
  const b = res.body as { error?: string; status?: string; attemptsRemaining?: number };
  const parts = [String(res.status), b.error ?? b.status ?? '-'];
  if (b.attemptsRemaining !== undefined) parts.push(`left=${b.attemptsRemaining}`);
  if (res.headers['retry-after'] !== undefined) parts.push('retry-after');
  return parts.join(' ');
}

/** A code of the same length that is certainly not `code`. */
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

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

/** The local part of an address (what a password must not contain). */
const localPart = (email: string) => email.slice(0, email.indexOf('@'));

/** The fields a 400 `validation_failed` names. */
function refusedFields(res: Response): string[] {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body).toMatchObject({ error: 'validation_failed', message: expect.any(String) });
  return (res.body.details as { field: string; problems: string[] }[]).map((d) => d.field);
}

const forgot = (agent: Agent, email: string, locale?: string) =>
  agent
    .post('/password/forgot')
    .set(locale ? { 'Accept-Language': locale } : {})
    .send({ email });
const resetWith = (agent: Agent, code: string, password: string, locale?: string) =>
  agent
    .post('/password/reset')
    .set(locale ? { 'Accept-Language': locale } : {})
    .send({ code, password });
const change = (agent: Agent, currentPassword: string, newPassword: string, locale?: string) =>
  agent
    .post('/account/password')
    .set(locale ? { 'Accept-Language': locale } : {})
    .send({ currentPassword, newPassword });

describe('password reset and change (password mode)', () => {
  const clock = new SettableClock();
  let t: TestApp;
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await connectTestRedis();
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' }, { clock });
  });
  afterAll(async () => {
    redis?.destroy();
    await t?.close();
    await flushMfaKeys();
  });

  /** True when the account's stored hash is of `password`. */
  async function storedPasswordIs(email: string, password: string): Promise<boolean> {
    const user = await t.app.get(UserStore).findByEmail(email);
    return t.app.get(PasswordService).verify(user?.passwordHash, password);
  }

  /** The first mail to `email` received at or after `since` whose subject matches. */
  async function mailSince(email: string, subject: RegExp, since: number, timeoutMs = 5000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = t.smtp.mailsTo(email).find((m) => m.receivedAt >= since && subject.test(m.subject));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = t.smtp.mailsTo(email).map((m) => `"${m.subject}"`);
        throw new Error(`No mail to ${email} like ${String(subject)} since ${since} (received: ${seen.join(', ')})`);
      }
      await sleep(25);
    }
  }

  /** `POST /password/forgot` from `agent`; returns the code of the reset mail it caused. */
  async function forgotCode(agent: Agent, email: string, locale?: string): Promise<string> {
    const since = Date.now();
    const res = await forgot(agent, email, locale);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const mail = await mailSince(email, /^(Reset your|Réinitialisez votre) /, since);
    expect(mail.code).toMatch(/^\d{6}$/);
    return mail.code!;
  }

  /**
   * A seeded account signed in (password, then the mailed code) in a new browser. The code is read
   * from the sign-in mail sent for this request (reset mails and notices may be unread before it).
   */
  async function signedIn(email: string, password = PASSWORD): Promise<Agent> {
    const agent = t.agent();
    const since = Date.now();
    const start = await agent.post('/auth').send({ email, password });
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body.status).toBe('code_sent');
    const { code } = await mailSince(email, SIGN_IN_CODE_SUBJECT, since);
    const verify = await agent.post('/verify').send({ code });
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    return agent;
  }

  describe('POST /password/forgot', () => {
    it('answers an unknown address exactly as a known one, mails only the known one, and the unknown one’s reset refuses every code like a wrong code', async () => {
      const known = uniqueEmail('forgot-known');
      const unknown = uniqueEmail('forgot-unknown');
      await seedAccount(t, known);
      const [knownAgent, unknownAgent] = [t.agent(), t.agent()];

      const k = await forgot(knownAgent, known);
      const u = await forgot(unknownAgent, unknown);
      expect(k.status).toBe(200);
      expect(u.status).toBe(k.status);
      expect(k.body).toEqual({
        status: 'code_sent',
        next: '/password/reset',
        expiresAt: expect.any(String),
        resendAfter: 1,
      });
      expect(Object.keys(u.body).sort()).toEqual(Object.keys(k.body).sort());
      const { expiresAt: knownExpires, ...knownRest } = k.body as { expiresAt: string };
      const { expiresAt: unknownExpires, ...unknownRest } = u.body as { expiresAt: string };
      expect(unknownRest).toEqual(knownRest);
      expect(new Date(knownExpires).toISOString()).toBe(knownExpires);
      expect(new Date(unknownExpires).toISOString()).toBe(unknownExpires);
      expect(Date.parse(knownExpires)).toBeGreaterThan(Date.now());
      expect(Math.abs(Date.parse(unknownExpires) - Date.parse(knownExpires))).toBeLessThan(5000);
      // Both start a session the same way (a cookie difference would tell the addresses apart).
      expect(Boolean(u.headers['set-cookie'])).toBe(Boolean(k.headers['set-cookie']));
      expect(u.headers['cache-control']).toBe(k.headers['cache-control']);

      // Both browsers get the reset page, naming the address typed.
      for (const [agent, email] of [
        [knownAgent, known],
        [unknownAgent, unknown],
      ] as const) {
        const page = await agent.get('/password/reset');
        expect(page.status).toBe(200);
        expect(page.text).toContain(email);
        expect(page.text).toContain('action="/password/reset"');
      }

      // The known address gets a reset code; the unknown one nothing at all.
      const mail = await t.mailTo(known);
      expect(mail.subject).toMatch(RESET_CODE_SUBJECT);
      expect(mail.code).toMatch(/^\d{6}$/);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(unknown)).toEqual([]);

      // The decoy refuses any code exactly as the real reset refuses a wrong one.
      const real = await resetWith(knownAgent, otherCode(mail.code!), NEW_PASSWORD);
      const decoy = await resetWith(unknownAgent, mail.code!, NEW_PASSWORD);
      expect(real.status).toBe(401);
      expect(real.body).toEqual({ error: 'invalid_code', message: expect.any(String), attemptsRemaining: 4 });
      expect(decoy.status).toBe(real.status);
      expect(decoy.body).toEqual(real.body);
      expect(summary(await resetWith(unknownAgent, '000000', NEW_PASSWORD))).toBe('401 invalid_code left=3');
      expect(await t.app.get(UserStore).findByEmail(unknown)).toBeNull();
      expect(await storedPasswordIs(known, PASSWORD)).toBe(true);
    });

    it('takes a send from the address’s budget: the cooldown shared with POST /auth (unknown addresses alike), 5 an hour, 10 a day', async () => {
      const email = uniqueEmail('forgot-budget');
      await seedAccount(t, email);
      const log: string[] = [];
      log.push(`forgot: ${summary(await forgot(t.agent(), email))}`);
      const early = await forgot(t.agent(), email);
      log.push(`forgot again at once: ${summary(early)}`);
      log.push(`sign-in at once: ${summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))}`);
      await cooldown();
      log.push(`sign-in: ${summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))}`);
      log.push(`forgot at once: ${summary(await forgot(t.agent(), email))}`);
      for (let i = 3; i <= 5; i++) {
        await cooldown();
        log.push(`forgot: ${summary(await forgot(t.agent(), email))}`);
      }
      await cooldown();
      const sixth = await forgot(t.agent(), email);
      log.push(`6th send in the hour: ${summary(sixth)}`);
      log.push(`sign-in: ${summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))}`);
      expect(log).toEqual([
        'forgot: 200 code_sent',
        'forgot again at once: 429 rate_limited retry-after',
        'sign-in at once: 429 rate_limited retry-after',
        'sign-in: 200 code_sent',
        'forgot at once: 429 rate_limited retry-after',
        'forgot: 200 code_sent',
        'forgot: 200 code_sent',
        'forgot: 200 code_sent',
        '6th send in the hour: 429 rate_limited retry-after',
        'sign-in: 429 rate_limited retry-after',
      ]);
      expect(early.body).toEqual({ error: 'rate_limited', message: expect.any(String), retryAfter: 1 });
      expect(early.headers['retry-after']).toBe('1');
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(3500);
      expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(3600);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email).map((m) => RESET_CODE_SUBJECT.test(m.subject))).toEqual([
        true,
        false,
        true,
        true,
        true,
      ]);

      // An unknown address is held by the same cooldown, with the same answer.
      const unknown = uniqueEmail('forgot-budget-unknown');
      expect(summary(await forgot(t.agent(), unknown))).toBe('200 code_sent');
      const unknownEarly = await forgot(t.agent(), unknown);
      expect(summary(unknownEarly)).toBe('429 rate_limited retry-after');
      expect(unknownEarly.body).toEqual(early.body);

      // Ten sends over the last day, none in the last hour: the daily cap holds the next one.
      const daily = uniqueEmail('forgot-daily');
      await seedAccount(t, daily);
      const now = Date.now();
      const hour = 3_600_000;
      await redis.zAdd(
        otpKey('s', daily),
        Array.from({ length: 10 }, (_, i) => ({ score: now - (20 - i) * hour, value: `seed-${i}` })),
      );
      await redis.pExpire(otpKey('s', daily), 86_400_000);
      const capped = await forgot(t.agent(), daily);
      expect(summary(capped)).toBe('429 rate_limited retry-after');
      // The oldest send (20 h ago) leaves the 24 h window in about 4 hours.
      expect(Number(capped.headers['retry-after'])).toBeGreaterThan(4 * 3600 - 60);
      expect(Number(capped.headers['retry-after'])).toBeLessThanOrEqual(4 * 3600);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(daily)).toEqual([]);
    });

    it('bad input is a 400 that sends nothing and takes nothing from the budget', async () => {
      const email = uniqueEmail('forgot-input');
      await seedAccount(t, email);
      const bodies: unknown[] = [
        {},
        { email: null },
        { email: 42 },
        { email: 'not-an-address' },
        { email: [email] },
        { email, extra: 'x' },
        { email, password: PASSWORD },
      ];
      for (const body of bodies) {
        const res = await t
          .agent()
          .post('/password/forgot')
          .send(body as object);
        expect(res.status, `POST /password/forgot ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.error, JSON.stringify(body)).toBe('validation_failed');
      }
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email)).toEqual([]);
      // No send was taken: the first real request is not held by a cooldown.
      expect(summary(await forgot(t.agent(), email))).toBe('200 code_sent');
    });
  });

  describe('POST /password/reset', () => {
    it('changes the password: every session of the account ends (two other browsers and this one), the old password fails, the new one signs in, and the owner is mailed a notice', async () => {
      const email = uniqueEmail('reset');
      await seedAccount(t, email);
      const firstBrowser = await signedIn(email);
      await cooldown();
      const secondBrowser = await signedIn(email);
      await cooldown();
      const thisBrowser = await signedIn(email);
      for (const agent of [firstBrowser, secondBrowser, thisBrowser]) expect((await me(agent)).status).toBe(200);
      await cooldown();

      const code = await forgotCode(thisBrowser, email);
      const forgotAt = Date.now();
      const res = await resetWith(thisBrowser, code, NEW_PASSWORD);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ status: 'password_changed', next: '/auth' });

      for (const [name, agent] of [
        ['first other browser', firstBrowser],
        ['second other browser', secondBrowser],
        ['this browser', thisBrowser],
      ] as const) {
        const who = await me(agent);
        expect(who.status, name).toBe(401);
        expect(who.body.error, name).toBe('unauthenticated');
      }
      // Nothing is pending any more: the code is spent and the reset page sends the browser back.
      const page = await thisBrowser.get('/password/reset');
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/password/forgot');
      const again = await resetWith(thisBrowser, code, OTHER_PASSWORD);
      expect(again.status).toBe(410);
      expect(again.body.error).toBe('challenge_expired');

      const notice = await mailMatching(t, email, /password was reset/i);
      expect(notice.subject).toBe('Your Sign-in password was reset');
      expect(notice.text).toContain(`The password of ${email} was reset`);
      expect(notice.code).toBeUndefined();

      const old = await t.agent().post('/auth').send({ email, password: PASSWORD });
      expect(old.status).toBe(401);
      expect(old.body).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
      await sleep(Math.max(0, forgotAt + 1100 - Date.now()));
      const fresh = await signedIn(email, NEW_PASSWORD);
      expect((await me(fresh)).body).toMatchObject({ email, factors: ['pwd', 'email_otp'] });
      expect(await storedPasswordIs(email, NEW_PASSWORD)).toBe(true);
    });

    it('keeps the authenticator app: the next sign-in asks for it (no mail), and the recovery codes remain', async () => {
      const email = uniqueEmail('reset-totp');
      await seedAccount(t, email);
      const agent = await signedIn(email);
      const { secret } = await enrolTotp(agent, clock.now());
      expect((await agent.post('/logout').send({})).status).toBe(204);
      await cooldown();

      const browser = t.agent();
      const code = await forgotCode(browser, email);
      expect(summary(await resetWith(browser, code, NEW_PASSWORD))).toBe('200 password_changed');
      await mailMatching(t, email, /password was reset/i);
      await t.app.get(MailDispatcher).drain(2000);
      const mails = t.smtp.mailsTo(email).length;

      const start = await browser.post('/auth').send({ email, password: NEW_PASSWORD });
      expect(start.status, JSON.stringify(start.body)).toBe(200);
      expect(start.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: TOTP_FACTORS });
      expect((await me(browser)).status).toBe(401);
      clock.advance(30_000); // the enrolment spent the current step's code
      const verify = await browser.post('/verify').send({ code: totpCode(secret, clock.now()) });
      expect(verify.status, JSON.stringify(verify.body)).toBe(200);
      expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
      expect((await me(browser)).body).toMatchObject({ email, aal: 2, factors: ['pwd', 'totp'] });
      expect(await t.app.get(RecoveryCodeStore).count(email)).toBe(10);
      await t.app.get(MailDispatcher).drain(2000);
      // No code was mailed: only the notice that a browser the account no longer knows signed in.
      expect(
        t.smtp
          .mailsTo(email)
          .slice(mails)
          .map((m) => m.subject),
      ).toEqual(['New sign-in to your Sign-in account']);
    });

    it('its code is refused at POST /verify (410) and signs nobody in; a sign-in code is refused at POST /password/reset (410)', async () => {
      const email = uniqueEmail('reset-verify');
      await seedAccount(t, email);
      const browser = t.agent();
      const since = Date.now();
      expect((await forgot(browser, email)).status).toBe(200);
      const mail = await mailSince(email, RESET_CODE_SUBJECT, since);
      // The reset mail carries its code and no sign-in link.
      expect(mail.code).toMatch(/^\d{6}$/);
      expect(mail.text).not.toContain('/verify/link');
      expect(mail.html).not.toContain('/verify/link');

      const atVerify = await browser.post('/verify').send({ code: mail.code });
      expect(atVerify.status).toBe(410);
      expect(atVerify.body.error).toBe('challenge_expired');
      expect((await me(browser)).status).toBe(401);
      // It never reached the code: the reset still takes it.
      expect(summary(await resetWith(browser, mail.code!, NEW_PASSWORD))).toBe('200 password_changed');
      expect((await me(browser)).status).toBe(401);

      // The other way round: a pending sign-in's code does not reset a password.
      await cooldown();
      const signingIn = t.agent();
      const signInSince = Date.now();
      expect(summary(await signingIn.post('/auth').send({ email, password: NEW_PASSWORD }))).toBe('200 code_sent');
      const signInCode = (await mailSince(email, SIGN_IN_CODE_SUBJECT, signInSince)).code!;
      expect(signInCode).toMatch(/^\d{6}$/);
      const atReset = await resetWith(signingIn, signInCode, OTHER_PASSWORD);
      expect(atReset.status).toBe(410);
      expect(atReset.body.error).toBe('challenge_expired');
      expect(await storedPasswordIs(email, NEW_PASSWORD)).toBe(true);
    });

    /**
     * Three browsers ask for a reset of `email`; `codeOf` gives the code each one got. Ten wrong
     * codes over the first two (5 each), then what every route answers. Returns what each answer
     * said, and the third browser with its code (its challenge untouched by a wrong answer).
     */
    async function lockRun(email: string, codeOf: (agent: Agent) => Promise<string>) {
      const [a, b, c] = [t.agent(), t.agent(), t.agent()];
      const codeA = await codeOf(a);
      await cooldown();
      const codeB = await codeOf(b);
      await cooldown();
      const codeC = await codeOf(c);
      const log: string[] = [];
      for (let i = 0; i < 5; i++) log.push(`a wrong: ${summary(await resetWith(a, otherCode(codeA), NEW_PASSWORD))}`);
      log.push(`a right: ${summary(await resetWith(a, codeA, NEW_PASSWORD))}`);
      for (let i = 0; i < 5; i++) log.push(`b wrong: ${summary(await resetWith(b, otherCode(codeB), NEW_PASSWORD))}`);
      log.push(`locked, c right: ${summary(await resetWith(c, codeC, NEW_PASSWORD))}`);
      log.push(`locked, forgot: ${summary(await forgot(t.agent(), email))}`);
      log.push(`locked, sign-in: ${summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))}`);
      return { log, c, codeC };
    }

    it('wrong codes count like any wrong code: 4, 3, 2, 1, 0 attempts left, then 410; the 10th failure locks the address (unknown ones alike), and a right code during the lock spends nothing', async () => {
      const email = uniqueEmail('reset-lock');
      await seedAccount(t, email);
      const known = await lockRun(email, (agent) => forgotCode(agent, email));
      expect(known.log).toEqual([
        ...[4, 3, 2, 1, 0].map((n) => `a wrong: 401 invalid_code left=${n}`),
        'a right: 410 challenge_expired',
        ...[4, 3, 2, 1, 0].map((n) => `b wrong: 401 invalid_code left=${n}`),
        'locked, c right: 429 locked retry-after',
        'locked, forgot: 429 locked retry-after',
        'locked, sign-in: 429 locked retry-after',
      ]);
      const locked = await resetWith(known.c, otherCode(known.codeC), NEW_PASSWORD);
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({ error: 'locked', message: expect.any(String), retryAfter: expect.any(Number) });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);

      // An unknown address: the same answers, step by step, and never a mail.
      const unknown = uniqueEmail('reset-lock-unknown');
      const decoy = await lockRun(unknown, async (agent) => {
        expect(summary(await forgot(agent, unknown))).toBe('200 code_sent');
        return '123456';
      });
      expect(decoy.log).toEqual(known.log);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(unknown)).toEqual([]);

      // Once the lock is lifted, the right code refused during it still works.
      await redis.del([otpKey('l', email), otpKey('f', email), otpKey('l', unknown), otpKey('f', unknown)]);
      expect(summary(await resetWith(known.c, known.codeC, NEW_PASSWORD))).toBe('200 password_changed');
      expect(await storedPasswordIs(email, NEW_PASSWORD)).toBe(true);
    });

    it('bad input (no code, null, numbers, unknown fields) is a 400 that counts nothing', async () => {
      const email = uniqueEmail('reset-input');
      await seedAccount(t, email);
      const browser = t.agent();
      const code = await forgotCode(browser, email);
      const bodies: unknown[] = [
        {},
        { code },
        { password: NEW_PASSWORD },
        { code: null, password: NEW_PASSWORD },
        { code: Number(code), password: NEW_PASSWORD },
        { code: 'abcdef', password: NEW_PASSWORD },
        { code, password: null },
        { code, password: [NEW_PASSWORD] },
        { code, password: NEW_PASSWORD, email },
        { code, password: NEW_PASSWORD, constructor: 1 },
      ];
      for (const body of bodies) {
        const res = await browser.post('/password/reset').send(body as object);
        expect(res.status, `POST /password/reset ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.error, JSON.stringify(body)).toBe('validation_failed');
      }
      expect(summary(await resetWith(browser, otherCode(code), NEW_PASSWORD))).toBe('401 invalid_code left=4');
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
      expect(summary(await resetWith(browser, code, NEW_PASSWORD))).toBe('200 password_changed');
    });

    it('a code of the wrong length is a 400 that counts nothing, as at POST /verify', async () => {
      const email = uniqueEmail('reset-length');
      await seedAccount(t, email);
      const browser = t.agent();
      const code = await forgotCode(browser, email);
      const log: string[] = [];
      for (const malformed of [code.slice(0, 5), `${code}1`]) {
        const res = await resetWith(browser, malformed, NEW_PASSWORD);
        const fields = res.status === 400 ? ` ${refusedFields(res).join()}` : '';
        log.push(`${malformed.length} digits: ${summary(res)}${fields}`);
      }
      log.push(`then a wrong code: ${summary(await resetWith(browser, otherCode(code), NEW_PASSWORD))}`);
      expect(log).toEqual([
        '5 digits: 400 validation_failed code',
        '7 digits: 400 validation_failed code',
        'then a wrong code: 401 invalid_code left=4',
      ]);
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
    });

    it('without a pending reset it answers 410 challenge_expired', async () => {
      const res = await resetWith(t.agent(), '123456', NEW_PASSWORD);
      expect(res.status).toBe(410);
      expect(res.body.error).toBe('challenge_expired');
    });
  });

  describe('POST /account/password', () => {
    it('changes the password (204): every other session ends, this one stays, the old password fails, the new one works; a notice mail', async () => {
      const email = uniqueEmail('change');
      await seedAccount(t, email);
      const other = await signedIn(email);
      await cooldown();
      const here = await signedIn(email);
      const signedInAt = Date.now();

      const res = await change(here, PASSWORD, NEW_PASSWORD);
      expect(res.status, JSON.stringify(res.body)).toBe(204);
      expect(res.text).toBe('');
      expect((await me(other)).status).toBe(401);
      const who = await me(here);
      expect(who.status).toBe(200);
      expect(who.body).toMatchObject({ email });

      const notice = await mailMatching(t, email, /password was changed/i);
      expect(notice.subject).toBe('Your Sign-in password was changed');
      expect(notice.text).toContain(`The password of ${email} was changed`);
      expect(notice.code).toBeUndefined();

      const old = await t.agent().post('/auth').send({ email, password: PASSWORD });
      expect(old.status).toBe(401);
      expect(old.body.error).toBe('invalid_credentials');
      await sleep(Math.max(0, signedInAt + 1100 - Date.now()));
      const fresh = await signedIn(email, NEW_PASSWORD);
      expect((await me(fresh)).status).toBe(200);
      // The session that made the change is still signed in after all that.
      expect((await me(here)).status).toBe(200);
    });

    it('a wrong current password is 401 invalid_credentials and counts toward this known browser’s own budget: the 5th locks this browser, not the address', async () => {
      const email = uniqueEmail('change-lock');
      await seedAccount(t, email);
      const agent = await signedIn(email);
      const log: string[] = [];
      for (let i = 0; i < 5; i++) log.push(summary(await change(agent, 'not the password at all', NEW_PASSWORD)));
      expect(log).toEqual(Array.from({ length: 5 }, () => '401 invalid_credentials'));
      const right = await change(agent, PASSWORD, NEW_PASSWORD);
      expect(summary(right)).toBe('429 locked retry-after');
      expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
      // The address itself is not locked: another browser signs in.
      await cooldown();
      expect(summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))).toBe('200 code_sent');
    });

    it('from a browser the account no longer knows (its entry forgotten), a wrong current password counts toward the address’s lock: the 10th locks it', async () => {
      const email = uniqueEmail('change-lock-unknown');
      await seedAccount(t, email);
      const agent = await signedIn(email);
      const sessions = (await agent.get('/account/sessions').set('Accept', JSON_TYPE)).body.sessions as {
        id: string;
        kind: string;
      }[];
      const known = sessions.filter((s) => s.kind === 'known');
      expect(known).toHaveLength(1);
      expect((await agent.delete(`/account/sessions/${known[0].id}`)).status).toBe(204);

      const log: string[] = [];
      for (let i = 0; i < 10; i++) log.push(summary(await change(agent, 'not the password at all', NEW_PASSWORD)));
      expect(log).toEqual(Array.from({ length: 10 }, () => '401 invalid_credentials'));
      const wrong = await change(agent, 'not the password at all', NEW_PASSWORD);
      expect(wrong.body.error).toBe('locked');
      const right = await change(agent, PASSWORD, NEW_PASSWORD);
      expect(summary(right)).toBe('429 locked retry-after');
      expect(summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))).toBe('429 locked retry-after');
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
    });

    it('needs a sign-in or step-up of the last 5 minutes (401 step_up_required; a form goes to /step-up), and a session', async () => {
      const email = uniqueEmail('change-fresh');
      await seedAccount(t, email);
      const agent = await signedIn(email);
      clock.advance(301_000);
      try {
        const stale = await change(agent, PASSWORD, NEW_PASSWORD);
        expect(stale.status).toBe(401);
        expect(stale.body).toMatchObject({ error: 'step_up_required', factors: expect.any(Array) });
        const page = await agent.get('/account/password');
        expect(page.status).toBe(200);
        const form = await postForm(agent, '/account/password', {
          _csrf: csrfFrom(page.text),
          currentPassword: PASSWORD,
          newPassword: NEW_PASSWORD,
        });
        expect(form.status).toBe(303);
        expect(form.headers.location).toMatch(/^\/step-up(\?|$)/);
        expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
      } finally {
        clock.advance(-301_000);
      }
      const anonymous = await change(t.agent(), PASSWORD, NEW_PASSWORD);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('unauthenticated');
      // Fresh again: the same request now changes it.
      expect((await change(agent, PASSWORD, NEW_PASSWORD)).status).toBe(204);
    });

    it('bad input (missing fields, null, numbers, unknown fields) is a 400 that changes nothing', async () => {
      const email = uniqueEmail('change-input');
      await seedAccount(t, email);
      const agent = await signedIn(email);
      const bodies: unknown[] = [
        {},
        { currentPassword: PASSWORD },
        { newPassword: NEW_PASSWORD },
        { currentPassword: null, newPassword: NEW_PASSWORD },
        { currentPassword: PASSWORD, newPassword: 12345678 },
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, password: NEW_PASSWORD },
      ];
      for (const body of bodies) {
        const res = await agent.post('/account/password').send(body as object);
        expect(res.status, `POST /account/password ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.error, JSON.stringify(body)).toBe('validation_failed');
      }
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
    });
  });

  describe('a known browser and the lock a stranger set off', () => {
    it('the owner’s known browser still changes the password, asks for a reset code and resets it (a wrong code counts toward its own budget); a new browser stays held', async () => {
      const email = uniqueEmail('known-lock');
      await seedAccount(t, email);
      // A full sign-in makes this browser known to the account (its `kd` cookie).
      const owner = await signedIn(email);

      // A stranger locks the address with wrong passwords.
      const stranger = t.agent();
      for (let i = 0; i < 10; i++) {
        expect(summary(await stranger.post('/auth').send({ email, password: `wrong password ${i}` }))).toBe(
          '401 invalid_credentials',
        );
      }
      expect(summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))).toBe('429 locked retry-after');
      await cooldown();
      expect(summary(await forgot(t.agent(), email))).toBe('429 locked retry-after');

      // The owner's browser: a typo, then the change goes through.
      expect(summary(await change(owner, 'not the password at all', NEW_PASSWORD))).toBe('401 invalid_credentials');
      expect(summary(await change(owner, PASSWORD, NEW_PASSWORD))).toBe('204 -');
      expect(await storedPasswordIs(email, NEW_PASSWORD)).toBe(true);

      // The same browser asks for a reset code and resets the password.
      const code = await forgotCode(owner, email);
      expect(summary(await resetWith(owner, otherCode(code), OTHER_PASSWORD))).toBe('401 invalid_code left=4');
      expect(summary(await resetWith(owner, code, OTHER_PASSWORD))).toBe('200 password_changed');
      expect(await storedPasswordIs(email, OTHER_PASSWORD)).toBe(true);

      // The address is still locked for every other browser, whatever the password.
      await cooldown();
      expect(summary(await t.agent().post('/auth').send({ email, password: OTHER_PASSWORD }))).toBe(
        '429 locked retry-after',
      );
      expect(summary(await forgot(t.agent(), email))).toBe('429 locked retry-after');
      // The reset forgot every trusted browser: the owner's is now held like any other.
      expect(summary(await forgot(owner, email))).toBe('429 locked retry-after');
    });
  });

  it('the notice mails in French with Accept-Language: fr (change, then reset), and the reset code mail too', async () => {
    const email = uniqueEmail('notices-fr');
    await seedAccount(t, email);
    const agent = await signedIn(email);
    expect((await change(agent, PASSWORD, NEW_PASSWORD, 'fr')).status).toBe(204);
    const changed = await mailMatching(t, email, /changé|changed/);
    expect(changed.subject).toBe('Votre mot de passe Sign-in a été changé');
    expect(changed.text).toContain(`Le mot de passe de ${email} a été changé.`);

    await cooldown();
    const browser = t.agent();
    const since = Date.now();
    expect((await forgot(browser, email, 'fr-CA,fr;q=0.9')).status).toBe(200);
    const codeMail = await mailSince(email, /Réinitialisez|Reset/, since);
    expect(codeMail.subject).toBe('Réinitialisez votre mot de passe Sign-in');
    expect(summary(await resetWith(browser, codeMail.code!, OTHER_PASSWORD, 'fr'))).toBe('200 password_changed');
    const reset = await mailMatching(t, email, /réinitialisé|was reset/);
    expect(reset.subject).toBe('Votre mot de passe Sign-in a été réinitialisé');
    expect(reset.text).toContain(`Le mot de passe de ${email} a été réinitialisé`);
  });

  describe('the password rules (NIST SP 800-63B)', () => {
    /** Passwords refused for `email`, each with why. */
    const refused = (email: string): [string, string][] => [
      ...COMMON.map((p): [string, string] => [`common: ${p}`, p]),
      ['common, another case', 'PassWord123'],
      ['the email’s local part', `my ${localPart(email)} key`],
      ['the email’s local part, upper case', `${localPart(email).toUpperCase()} 2024!`],
      ['7 code points (14 UTF-16 units)', EMOJI.repeat(7)],
      ['257 code points', EMOJI.repeat(257)],
      ['7 characters', 'xk7#qwz'],
    ];

    it('POST /register: 400 naming `password`, no mail, no account, no send taken; 8 and 256 code points are accepted', async () => {
      const email = uniqueEmail('rules-register');
      for (const [why, password] of refused(email)) {
        const res = await t.agent().post('/register').send({ email, password });
        expect(refusedFields(res), why).toEqual(['password']);
      }
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email)).toEqual([]);
      expect(await t.app.get(UserStore).findByEmail(email)).toBeNull();
      // Nothing was taken from the address's budget: the first acceptable password goes through at once.
      expect(summary(await t.agent().post('/register').send({ email, password: NEW_PASSWORD }))).toBe('200 code_sent');

      for (const password of [EMOJI.repeat(8), EMOJI.repeat(256)]) {
        const address = uniqueEmail('rules-register-length');
        const agent = t.agent();
        const res = await agent.post('/register').send({ email: address, password });
        expect(summary(res), `${[...password].length} code points`).toBe('200 code_sent');
        expect(summary(await agent.post('/verify').send({ code: await t.codeFor(address) }))).toBe('200 authenticated');
        expect(await storedPasswordIs(address, password)).toBe(true);
      }
    });

    it('POST /password/reset: 400 naming `password`, checked before the code, so the code and its attempts are untouched', async () => {
      const email = uniqueEmail('rules-reset');
      await seedAccount(t, email);
      const browser = t.agent();
      const code = await forgotCode(browser, email);
      for (const [why, password] of refused(email)) {
        expect(refusedFields(await resetWith(browser, code, password)), why).toEqual(['password']);
      }
      // With a wrong code too, six times: more than the challenge's attempts, yet none is spent.
      for (let i = 0; i < 6; i++) {
        expect(refusedFields(await resetWith(browser, otherCode(code), COMMON[i % COMMON.length]))).toEqual([
          'password',
        ]);
      }
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
      expect(summary(await resetWith(browser, otherCode(code), NEW_PASSWORD))).toBe('401 invalid_code left=4');
      expect(summary(await resetWith(browser, code, EMOJI.repeat(8)))).toBe('200 password_changed');
      expect(await storedPasswordIs(email, EMOJI.repeat(8))).toBe(true);
    });

    it('POST /account/password: 400 naming `newPassword`; nothing changes and a wrong current password beside it counts nothing', async () => {
      const email = uniqueEmail('rules-change');
      await seedAccount(t, email);
      const agent = await signedIn(email);
      for (const [why, password] of refused(email)) {
        expect(refusedFields(await change(agent, PASSWORD, password)), why).toEqual(['newPassword']);
      }
      // Eleven wrong current passwords with a refused new one: were they counted, the address would be locked.
      for (let i = 0; i < 11; i++) {
        expect(refusedFields(await change(agent, 'not the password at all', COMMON[i % COMMON.length]))).toEqual([
          'newPassword',
        ]);
      }
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email).filter((m) => /password was changed/i.test(m.subject))).toEqual([]);
      expect((await change(agent, PASSWORD, EMOJI.repeat(256))).status).toBe(204);
      expect(await storedPasswordIs(email, EMOJI.repeat(256))).toBe(true);
    });
  });

  describe('pages and form posts', () => {
    it('the sign-in page links to /password/forgot; forgot and reset pages; the form posts answer 303 and errors re-render the page with the sentence', async () => {
      const email = uniqueEmail('pages-reset');
      await seedAccount(t, email);
      const browser = t.agent();
      const signIn = await browser.get('/auth');
      expect(signIn.status).toBe(200);
      expect(signIn.text).toContain('href="/password/forgot"');

      // No pending reset: the reset page sends the browser to the forgot page.
      const early = await browser.get('/password/reset');
      expect(early.status).toBe(303);
      expect(early.headers.location).toBe('/password/forgot');

      const forgotPage = await browser.get('/password/forgot');
      expect(forgotPage.status).toBe(200);
      expect(forgotPage.type).toBe('text/html');
      expect(forgotPage.headers['cache-control']).toBe('no-store');
      expect(forgotPage.text).toMatch(/<form method="post" action="\/password\/forgot"/);
      expect(forgotPage.text).toMatch(/<input id="email" name="email" type="email"/);

      // An invalid address: the page again, with the field's sentence and the value kept.
      const invalid = await postForm(browser, '/password/forgot', {
        _csrf: csrfFrom(forgotPage.text),
        email: 'not-an-address',
      });
      expect(invalid.status).toBe(400);
      expect(invalid.type).toBe('text/html');
      expect(invalid.text).toContain(escapeHtml(en['error.validation_failed']));
      expect(invalid.text).toContain(escapeHtml(en['error.field.email']));
      expect(invalid.text).toContain('value="not-an-address"');

      const since = Date.now();
      const sent = await postForm(browser, '/password/forgot', { _csrf: csrfFrom(invalid.text), email });
      expect(sent.status).toBe(303);
      expect(sent.headers.location).toBe('/password/reset');
      const code = (await mailSince(email, RESET_CODE_SUBJECT, since)).code!;

      const resetPage = await browser.get('/password/reset');
      expect(resetPage.status).toBe(200);
      expect(resetPage.headers['cache-control']).toBe('no-store');
      expect(resetPage.text).toContain(email);
      expect(resetPage.text).toMatch(/<form method="post" action="\/password\/reset"/);
      expect(resetPage.text).toMatch(/name="code"/);
      expect(resetPage.text).toMatch(/name="password" type="password" autocomplete="new-password"/);

      const wrong = await postForm(browser, '/password/reset', {
        _csrf: csrfFrom(resetPage.text),
        code: otherCode(code),
        password: NEW_PASSWORD,
      });
      expect(wrong.status).toBe(401);
      expect(wrong.type).toBe('text/html');
      expect(wrong.text).toContain('action="/password/reset"');
      expect(wrong.text).toContain(escapeHtml(en['error.invalid_code']));
      expect(wrong.text).toContain('4 attempts left.');

      const common = await postForm(browser, '/password/reset', {
        _csrf: csrfFrom(wrong.text),
        code,
        password: 'password123',
      });
      expect(common.status).toBe(400);
      expect(common.text).toContain('action="/password/reset"');
      expect(common.text).toContain(escapeHtml(en['error.field.password']));

      const done = await postForm(browser, '/password/reset', {
        _csrf: csrfFrom(common.text),
        code,
        password: NEW_PASSWORD,
      });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/auth');
      expect(await storedPasswordIs(email, NEW_PASSWORD)).toBe(true);
      expect((await me(browser)).status).toBe(401);
    });

    it('GET /account/password is for signed-in browsers; the form re-renders a wrong current password or a refused new one, and succeeds with a 303 to /account/security', async () => {
      const anonymous = await t.agent().get('/account/password');
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.location).toBe('/auth');

      const email = uniqueEmail('pages-change');
      await seedAccount(t, email);
      const browser = await signedIn(email);
      const page = await browser.get('/account/password').set('Accept', HTML_ACCEPT);
      expect(page.status).toBe(200);
      expect(page.type).toBe('text/html');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toMatch(/<form method="post" action="\/account\/password"/);
      expect(page.text).toMatch(/name="currentPassword" type="password" autocomplete="current-password"/);
      expect(page.text).toMatch(/name="newPassword" type="password" autocomplete="new-password"/);

      const wrong = await postForm(browser, '/account/password', {
        _csrf: csrfFrom(page.text),
        currentPassword: 'not the password at all',
        newPassword: NEW_PASSWORD,
      });
      expect(wrong.status).toBe(401);
      expect(wrong.type).toBe('text/html');
      expect(wrong.text).toContain('action="/account/password"');
      expect(wrong.text).toContain(escapeHtml(en['error.invalid_credentials']));

      const common = await postForm(browser, '/account/password', {
        _csrf: csrfFrom(wrong.text),
        currentPassword: PASSWORD,
        newPassword: 'qwertyuiop',
      });
      expect(common.status).toBe(400);
      expect(common.text).toContain('action="/account/password"');
      expect(common.text).toContain(escapeHtml(en['error.field.newPassword']));
      expect(await storedPasswordIs(email, PASSWORD)).toBe(true);

      const done = await postForm(browser, '/account/password', {
        _csrf: csrfFrom(common.text),
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/account/security');
      expect(await storedPasswordIs(email, NEW_PASSWORD)).toBe(true);
      expect((await me(browser)).status).toBe(200);
    });
  });
});

describe('email mode: every password route is 404', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('answers 404 not_found to every password route, whatever the body, signed in or not, and mails nothing', async () => {
    const email = uniqueEmail('email-mode');
    const signedIn = t.agent();
    expect((await signedIn.post('/auth').send({ email })).status).toBe(200);
    expect((await signedIn.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
    expect((await me(signedIn)).status).toBe(200);

    const posts: [string, unknown[]][] = [
      ['/password/forgot', [{ email }, {}, { email: null }, { email: 'not-an-address' }, { email, extra: 1 }]],
      [
        '/password/reset',
        [{ code: '123456', password: NEW_PASSWORD }, {}, { code: null }, { code: '123456', password: 'password123' }],
      ],
      [
        '/account/password',
        [
          { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
          {},
          { currentPassword: 1 },
          { currentPassword: PASSWORD, newPassword: 'iloveyou1' },
        ],
      ],
    ];
    for (const agent of [t.agent(), signedIn]) {
      for (const path of ['/password/forgot', '/password/reset', '/account/password']) {
        const json = await agent.get(path).set('Accept', JSON_TYPE);
        expect(json.status, `GET ${path}`).toBe(404);
        expect(json.body, `GET ${path}`).toEqual({ error: 'not_found', message: expect.any(String) });
        expect((await agent.get(path).set('Accept', HTML_ACCEPT)).status, `GET ${path} (page)`).toBe(404);
      }
      for (const [path, bodies] of posts) {
        for (const body of bodies) {
          const res = await agent.post(path).send(body as object);
          expect(res.status, `POST ${path} ${JSON.stringify(body)}`).toBe(404);
          expect(res.body, `POST ${path} ${JSON.stringify(body)}`).toEqual({
            error: 'not_found',
            message: expect.any(String),
          });
        }
      }
    }
    await t.app.get(MailDispatcher).drain(2000);
    expect(t.smtp.mailsTo(email)).toHaveLength(1); // the sign-in code only
    expect((await me(signedIn)).status).toBe(200);
  });

  it('the sign-in page offers no “forgot your password” link', async () => {
    const page = await t.agent().get('/auth');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('/password/forgot');
  });
});
