import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient } from 'redis';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountEvents } from '../src/account/index.js';
import { hashOf } from '../src/account/security-notices.service.js';
import { AuthEvents } from '../src/auth/index.js';
import { DevicesService } from '../src/devices/index.js';
import { MailDispatcher } from '../src/mail/index.js';
import { OtpEvents } from '../src/otp/index.js';
import { PasswordEvents } from '../src/password/index.js';
import { RecoveryCodeEvents } from '../src/recovery-codes/index.js';
import { SessionService } from '../src/session/index.js';
import { SettableClock } from '../src/testing/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { cookieValue } from './support/session.js';
import { decodeHtml } from './support/mail-link.js';
import {
  type Agent,
  csrfFrom,
  enrolTotp,
  flushMfaKeys,
  HTML_ACCEPT,
  JSON_TYPE,
  me,
  PASSWORD,
  postForm,
  seedAccount,
  sessionIdOf,
  totpCode,
} from './support/mfa.js';
import { flushKeys, testRedisUrl } from './support/redis.js';
import type { ReceivedMail } from './support/smtp.js';

/**
 * The account's security, end to end against a real Redis and a real SMTP server:
 * - security notice mails (a sign-in from a browser never seen before, a password change or reset,
 *   the authenticator added or removed, a recovery code used, new recovery codes, the identifier
 *   locked), each naming the time, the browser and the network, with a "this wasn't me" link in both
 *   parts, in English and French; none for a browser that signed in before, a remembered browser, a
 *   sign-up's first sign-in or an unknown address;
 * - "this wasn't me": the link's page changes nothing, its POST (JSON or form, single use, bound to
 *   the account, 7 days) ends every session, forgets trusted browsers and, in password mode, holds
 *   the password until a reset (email mode: nothing to reset);
 * - `GET /account/activity`: the last 50 security events, newest first, with no secret in them;
 * - the per-account session index `si:<email>`: its memory per session, and ended sessions leaving it.
 * The app's clock is a {@link SettableClock}: it decides which authenticator code is current.
 */

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';
const FIREFOX_NAME = 'Firefox on Linux';
/** The network of 127.0.0.1, where every request of these tests comes from. */
const LOOPBACK_NETWORK = '127.0.0.0/24';
const PRODUCT = 'Sign-in';
const NEW_PASSWORD = 'tangerine orbit kettle lamp';
const STEP = 30_000;
const WEEK_MS = 7 * 86_400_000;
const LOCALES = ['en', 'fr'] as const;
type Locale = (typeof LOCALES)[number];
type NoticeKind =
  | 'newSignIn'
  | 'passwordChanged'
  | 'passwordReset'
  | 'totpEnabled'
  | 'totpDisabled'
  | 'recoveryCodeUsed'
  | 'recoveryCodesCreated'
  | 'locked';

const catalogs: Record<Locale, Record<string, string>> = {
  en: JSON.parse(readFileSync(new URL('../views/locales/en.json', import.meta.url), 'utf8')) as Record<string, string>,
  fr: JSON.parse(readFileSync(new URL('../views/locales/fr.json', import.meta.url), 'utf8')) as Record<string, string>,
};

/** A catalog message with its `{name}` placeholders filled. */
function message(locale: Locale, key: string, vars: Record<string, string | number> = {}): string {
  const text = catalogs[locale][key];
  if (text === undefined) throw new Error(`No message ${key} in ${locale}.json`);
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** The events an account's activity may hold. */
const SECURITY_EVENTS = new Set<string>([
  ...Object.values(AuthEvents),
  ...Object.values(AccountEvents),
  ...Object.values(PasswordEvents),
  ...Object.values(RecoveryCodeEvents),
  ...Object.values(OtpEvents),
]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** OTP_RESEND_SECONDS=1: the address's cooldown since its last code mail is over after this. */
const cooldown = () => sleep(1100);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The session id a response set in its cookie, if it set one. */
const sidSetBy = (res: Response): string | undefined => (cookieValue(res, 'sid') ? sessionIdOf(res) : undefined);

/** The minute of the UTC day of an epoch-ms time. */
const minuteOfDay = (ms: number) => Math.floor(ms / 60_000) % 1440;

/**
 * Asserts that `body` says `<prefix><date>, <hh:mm> UTC` (12- or 24-hour clock), `prefix` being the
 * catalog's "When: " line, with the year of `from` in the date, at a minute between `from` and
 * `to` (epoch ms).
 */
function expectTimeBetween(body: string, template: string, from: number, to: number, part: string): void {
  const prefix = template.slice(0, template.indexOf('{time}'));
  const found = new RegExp(
    `${escapeRegExp(prefix)}([^\\n:]*?),? (\\d{1,2}):(\\d{2})\\s?([AaPp]\\.?[Mm]\\.?)?\\s?UTC`,
  ).exec(body);
  expect(found, `"${prefix}<date>, <time> UTC" in the ${part} part:\n${body}`).not.toBeNull();
  const [, date, hh, mm, meridiem] = found!;
  expect(date, `the date in the ${part} part`).toContain(String(new Date(from).getUTCFullYear()));
  let hour = Number(hh);
  if (meridiem) hour = (hour % 12) + (/^p/i.test(meridiem) ? 12 : 0);
  const shown = hour * 60 + Number(mm);
  const since = (shown - minuteOfDay(from) + 1440) % 1440;
  expect(since, `the time in the ${part} part (${found![0]}) is the time of the event`).toBeLessThanOrEqual(
    (minuteOfDay(to) - minuteOfDay(from) + 1440) % 1440,
  );
}

/**
 * The "this wasn't me" link of a notice: exactly one `APP_URL/account/not-me?t=<token>` in the text
 * part and the same one as the only such `href` of the HTML part. @returns its token.
 */
function notMeTokenOf(mail: ReceivedMail, appUrl: string): string {
  const inText = [...mail.text.matchAll(new RegExp(`${escapeRegExp(appUrl)}/account/not-me\\?\\S+`, 'g'))].map(
    (m) => m[0],
  );
  const inHtml = [...mail.html.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)]
    .map((m) => decodeHtml(m[1]))
    .filter((href) => href.includes('/account/not-me'));
  expect(inText, `the not-me link in the text part of "${mail.subject}"`).toHaveLength(1);
  expect(inHtml, `the not-me link in the HTML part of "${mail.subject}"`).toEqual(inText);
  const url = new URL(inText[0]);
  expect(`${url.origin}${url.pathname}`).toBe(`${appUrl}/account/not-me`);
  expect([...url.searchParams.keys()]).toEqual(['t']);
  const token = url.searchParams.get('t')!;
  expect(token).toMatch(/^[\w-]{43}$/);
  return token;
}

/** The first mail to `email` with exactly this subject received at or after `since` (waits up to 5 s). */
async function mailWithSubject(t: TestApp, email: string, subject: string, since: number): Promise<ReceivedMail> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = t.smtp.mailsTo(email).find((m) => m.receivedAt >= since && m.subject === subject);
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = t.smtp.mailsTo(email).map((m) => `"${m.subject}"`);
      throw new Error(`No mail "${subject}" to ${email} (received: ${seen.join(', ') || 'none'})`);
    }
    await sleep(25);
  }
}

describe('account security (password mode)', () => {
  const clock = new SettableClock();
  let t: TestApp;
  let redis: ReturnType<typeof createClient>;

  beforeAll(async () => {
    redis = createClient({ url: testRedisUrl() });
    await redis.connect();
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' }, { clock });
  });
  afterAll(async () => {
    redis?.destroy();
    await t?.close();
    await flushMfaKeys();
    await flushAccountKeys();
  });

  /** A new browser: Firefox on Linux, reading `locale`. */
  const browser = (locale: Locale = 'en'): Agent => t.agent().set('User-Agent', FIREFOX).set('Accept-Language', locale);

  /** Waits until the notice mails have been handed to SMTP (the listeners run after the answer). */
  async function settle(): Promise<void> {
    await sleep(400);
    await t.app.get(MailDispatcher).drain(3000);
  }

  /** The notices `kind` (of no count, in any language) mailed to `email` so far. */
  function noticesSoFar(email: string, kind: NoticeKind): ReceivedMail[] {
    const subjects = LOCALES.map((l) => message(l, `mail.notice.${kind}.subject`, { product: PRODUCT }));
    return t.smtp.mailsTo(email).filter((m) => subjects.includes(m.subject));
  }

  /** Waits until `count` notices `kind` were mailed to `email`; returns them, oldest first. */
  async function waitForNotices(email: string, kind: NoticeKind, count: number): Promise<ReceivedMail[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const got = noticesSoFar(email, kind);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`${got.length} of ${count} ${kind} notices to ${email}`);
      await sleep(25);
    }
  }

  /** The first notice `kind` in `locale` to `email` received at or after `since`. */
  async function noticeSince(
    email: string,
    kind: NoticeKind,
    locale: Locale,
    since: number,
    count?: number,
  ): Promise<ReceivedMail> {
    const subject = message(locale, `mail.notice.${kind}.subject`, { product: PRODUCT, ...(count ? { count } : {}) });
    return mailWithSubject(t, email, subject, since);
  }

  /**
   * Asserts what every notice says, in its text and HTML parts: its heading, when (a time between
   * `from` and the mail's arrival), the browser (Firefox on Linux) and the network
   * (127.0.0.0/24), and one "this wasn't me" link. @returns the link's token.
   */
  function expectNotice(mail: ReceivedMail, kind: NoticeKind, locale: Locale, from: number): string {
    const html = decodeHtml(mail.html.replace(/<[^>]+>/g, ' '));
    for (const [part, body] of [
      ['text', mail.text],
      ['HTML', html],
    ] as const) {
      expect(body, `${kind} (${locale}), ${part} part`).toContain(message(locale, `mail.notice.${kind}.heading`));
      expectTimeBetween(
        body,
        message(locale, 'mail.notice.when'),
        from,
        mail.receivedAt,
        `${kind} (${locale}) ${part}`,
      );
      expect(body, `${kind} (${locale}), ${part} part: the browser`).toContain(
        message(locale, 'mail.notice.device', { device: FIREFOX_NAME }),
      );
      expect(body, `${kind} (${locale}), ${part} part: the network`).toContain(
        message(locale, 'mail.notice.from', { ip: LOOPBACK_NETWORK }),
      );
    }
    return notMeTokenOf(mail, t.config.appUrl);
  }

  /** Signs `agent` in (password, then the mailed code); returns the code and the session ids it was given. */
  async function signIn(agent: Agent, email: string, password = PASSWORD): Promise<{ code: string; sids: string[] }> {
    const start = await agent.post('/auth').send({ email, password });
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body.status).toBe('code_sent');
    const code = await t.codeFor(email);
    const verify = await agent.post('/verify').send({ code });
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    return { code, sids: [start, verify].map(sidSetBy).filter((s): s is string => !!s) };
  }

  /** Password, then the authenticator's current code (the clock then moves to the next step). */
  async function passwordThenTotp(agent: Agent, email: string, secret: string, body: object = {}): Promise<Response> {
    const first = await agent.post('/auth').send({ email, password: PASSWORD });
    expect(first.body.status, JSON.stringify(first.body)).toBe('second_factor_required');
    const res = await agent.post('/verify').send({ code: totpCode(secret, clock.now()), ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ status: 'authenticated', next: '/home' });
    clock.advance(STEP);
    return res;
  }

  /** A seeded account signed in from a Firefox browser reading `locale`, with an authenticator added. */
  async function totpAccount(tag: string, locale: Locale = 'en') {
    const email = uniqueEmail(tag);
    await seedAccount(t, email);
    const agent = browser(locale);
    await signIn(agent, email);
    const enrolment = await enrolTotp(agent, clock.now(), locale);
    clock.advance(STEP);
    return { email, agent, ...enrolment };
  }

  const notMe = (agent: Agent, token: string) => agent.post('/account/not-me').send({ token });

  describe('security notices', () => {
    it.each(LOCALES)(
      'a sign-in from a browser never seen before (%s): when, which browser, which network, and the not-me link',
      async (locale) => {
        const email = uniqueEmail(`notice-new-${locale}`);
        await seedAccount(t, email);
        const from = Date.now();
        await signIn(browser(locale), email);
        expectNotice(await noticeSince(email, 'newSignIn', locale, from), 'newSignIn', locale, from);
      },
    );

    it('is not mailed when a browser that signed in before signs in again', async () => {
      const email = uniqueEmail('notice-known');
      await seedAccount(t, email);
      const agent = browser();
      const from = Date.now();
      await signIn(agent, email);
      await noticeSince(email, 'newSignIn', 'en', from);
      expect((await agent.post('/logout').send({})).status).toBe(204);
      await cooldown();
      await signIn(agent, email);
      expect((await me(agent)).status).toBe(200);
      await settle();
      expect(noticesSoFar(email, 'newSignIn')).toHaveLength(1);
    });

    it('is not mailed for a remembered browser (its remembered-device cookie alone)', async () => {
      const { email, secret } = await totpAccount('notice-remembered');
      const remembered = await passwordThenTotp(browser(), email, secret, { remember: true });
      // The owner's first sign-in, then the remembered browser's.
      await waitForNotices(email, 'newSignIn', 2);
      const rd = cookieValue(remembered, 'rd');
      expect(rd).toMatch(/^[\w-]{43}$/);

      // Only the rd cookie (no known-device cookie): the second factor is skipped, no notice.
      const again = await browser().post('/auth').set('Cookie', `rd=${rd}`).send({ email, password: PASSWORD });
      expect(again.body).toEqual({ status: 'authenticated', next: '/home' });
      await settle();
      expect(noticesSoFar(email, 'newSignIn')).toHaveLength(2);
    });

    it('is not mailed on a sign-up’s first sign-in; the next new browser is', async () => {
      const email = uniqueEmail('notice-signup');
      const agent = browser();
      const registered = await agent.post('/register').send({ email, password: PASSWORD });
      expect(registered.status, JSON.stringify(registered.body)).toBe(200);
      expect(registered.body.status).toBe('code_sent');
      const verified = await agent.post('/verify').send({ code: await t.codeFor(email) });
      expect(verified.body).toEqual({ status: 'authenticated', next: '/home' });
      await settle();
      expect(noticesSoFar(email, 'newSignIn')).toEqual([]);

      await cooldown();
      const from = Date.now();
      await signIn(browser(), email);
      expectNotice(await noticeSince(email, 'newSignIn', 'en', from), 'newSignIn', 'en', from);
    });

    it.each(LOCALES)('a password change (%s)', async (locale) => {
      const email = uniqueEmail(`notice-change-${locale}`);
      await seedAccount(t, email);
      const agent = browser(locale);
      await signIn(agent, email);
      const from = Date.now();
      const changed = await agent
        .post('/account/password')
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      expect(changed.status, JSON.stringify(changed.body)).toBe(204);
      expectNotice(await noticeSince(email, 'passwordChanged', locale, from), 'passwordChanged', locale, from);
    });

    it.each(LOCALES)('a password reset (%s)', async (locale) => {
      const email = uniqueEmail(`notice-reset-${locale}`);
      await seedAccount(t, email);
      const agent = browser(locale);
      const asked = Date.now();
      expect((await agent.post('/password/forgot').send({ email })).status).toBe(200);
      const { code } = await mailWithSubject(
        t,
        email,
        message(locale, 'mail.code.subject.reset', { product: PRODUCT }),
        asked,
      );
      const from = Date.now();
      const reset = await agent.post('/password/reset').send({ code, password: NEW_PASSWORD });
      expect(reset.status, JSON.stringify(reset.body)).toBe(200);
      expectNotice(await noticeSince(email, 'passwordReset', locale, from), 'passwordReset', locale, from);
    });

    it.each(LOCALES)('an authenticator app added (%s)', async (locale) => {
      const email = uniqueEmail(`notice-totp-on-${locale}`);
      await seedAccount(t, email);
      const agent = browser(locale);
      await signIn(agent, email);
      const from = Date.now();
      await enrolTotp(agent, clock.now(), locale);
      clock.advance(STEP);
      expectNotice(await noticeSince(email, 'totpEnabled', locale, from), 'totpEnabled', locale, from);
    });

    it.each(LOCALES)('an authenticator app removed (%s)', async (locale) => {
      const { email, agent } = await totpAccount(`notice-totp-off-${locale}`, locale);
      const from = Date.now();
      expect((await agent.post('/account/totp/disable').send({})).status).toBe(204);
      expectNotice(await noticeSince(email, 'totpDisabled', locale, from), 'totpDisabled', locale, from);
    });

    it.each(LOCALES)('new recovery codes (%s)', async (locale) => {
      const { email, agent } = await totpAccount(`notice-codes-${locale}`, locale);
      const from = Date.now();
      const made = await agent.post('/account/recovery-codes').send({});
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      expectNotice(
        await noticeSince(email, 'recoveryCodesCreated', locale, from),
        'recoveryCodesCreated',
        locale,
        from,
      );
    });

    it.each(LOCALES)('a recovery code used, with how many are left (%s)', async (locale) => {
      const { email, recoveryCodes } = await totpAccount(`notice-code-used-${locale}`, locale);
      const agent = browser(locale);
      const first = await agent.post('/auth').send({ email, password: PASSWORD });
      expect(first.body.status).toBe('second_factor_required');
      const from = Date.now();
      const used = await agent.post('/verify').send({ recoveryCode: recoveryCodes[0] });
      expect(used.body).toEqual({ status: 'authenticated', next: '/home' });
      const mail = await noticeSince(email, 'recoveryCodeUsed', locale, from, 9);
      expect(mail.text).toContain(message(locale, 'mail.notice.recoveryCodeUsed.body', { email, count: 9 }));
      expectNotice(mail, 'recoveryCodeUsed', locale, from);
    });

    it('the identifier locked: mailed to an existing account, never to an unknown address', async () => {
      const known = uniqueEmail('notice-locked');
      const unknown = uniqueEmail('notice-locked-unknown');
      await seedAccount(t, known);
      const from = Date.now();
      for (const email of [unknown, known]) {
        const stranger = browser();
        for (let i = 0; i < 10; i++) {
          const res = await stranger.post('/auth').send({ email, password: `wrong password ${i}` });
          expect(res.status, `wrong password ${i + 1} for ${email}`).toBe(401);
        }
        const locked = await stranger.post('/auth').send({ email, password: PASSWORD });
        expect(locked.status).toBe(429);
        expect(locked.body.error).toBe('locked');
      }
      await settle();
      expect(t.smtp.mailsTo(unknown)).toEqual([]);
      expectNotice(await noticeSince(known, 'locked', 'en', from), 'locked', 'en', from);
    });

    it('the identifier locked by wrong reset codes: the notice names the browser and the network too', async () => {
      const email = uniqueEmail('notice-locked-reset');
      await seedAccount(t, email);
      const stranger = browser();
      const from = Date.now();
      // Two reset challenges of 5 attempts each: the 10th wrong code locks the address.
      for (let round = 0; round < 2; round++) {
        if (round) await cooldown();
        const asked = Date.now();
        expect((await stranger.post('/password/forgot').send({ email })).status).toBe(200);
        const { code } = await mailWithSubject(
          t,
          email,
          message('en', 'mail.code.subject.reset', { product: PRODUCT }),
          asked,
        );
        const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        for (let i = 0; i < 5; i++) {
          const res = await stranger.post('/password/reset').send({ code: wrong, password: NEW_PASSWORD });
          expect(res.status, `wrong code ${round * 5 + i + 1}`).toBe(401);
        }
      }
      expect((await browser().post('/auth').send({ email, password: PASSWORD })).body.error).toBe('locked');
      expectNotice(await noticeSince(email, 'locked', 'en', from), 'locked', 'en', from);
    });
  });

  describe('“this wasn’t me”', () => {
    it('its page changes nothing; its POST signs out every browser, forgets trusted ones and requires a password reset before the next sign-in', async () => {
      const { email, agent: owner, secret } = await totpAccount('not-me');
      const remembered = browser();
      const rememberedAt = await passwordThenTotp(remembered, email, secret, { remember: true });
      expect(cookieValue(rememberedAt, 'rd')).toMatch(/^[\w-]{43}$/);
      await waitForNotices(email, 'newSignIn', 2);
      const other = browser();
      const from = Date.now();
      await passwordThenTotp(other, email, secret);
      const token = expectNotice(await noticeSince(email, 'newSignIn', 'en', from), 'newSignIn', 'en', from);
      // Another account, signed in: untouched by this account's link.
      const bystanderEmail = uniqueEmail('not-me-bystander');
      await seedAccount(t, bystanderEmail);
      const bystander = browser();
      await signIn(bystander, bystanderEmail);
      const browsers = { owner, remembered, other };
      const trusted = await t.app.get(DevicesService).list(email);
      expect(trusted.map((d) => d.kind).sort()).toEqual(['known', 'known', 'known', 'remembered']);

      // A mail scanner follows the link: a page with one button, and nothing changes.
      const scanned = await t.agent().set('User-Agent', 'LinkScanner/1.0').get(`/account/not-me?t=${token}`);
      expect(scanned.status).toBe(200);
      expect(scanned.text).toContain('action="/account/not-me"');
      expect(scanned.text).toContain(`name="token" value="${token}"`);
      expect(scanned.text).toContain(message('en', 'notMe.submit'));
      for (const [name, agent] of Object.entries(browsers)) expect((await me(agent)).status, name).toBe(200);
      expect(await t.app.get(DevicesService).list(email)).toHaveLength(trusted.length);

      // The button: every session ends, every trusted browser is forgotten.
      const secured = await notMe(t.agent(), token);
      expect(secured.status, JSON.stringify(secured.body)).toBe(200);
      expect(secured.body).toEqual({ status: 'secured', next: '/password/forgot' });
      for (const [name, agent] of Object.entries(browsers)) {
        const res = await me(agent);
        expect(res.status, name).toBe(401);
        expect(res.body.error).toBe('unauthenticated');
      }
      expect((await me(bystander)).status).toBe(200);
      expect(await t.app.get(DevicesService).list(email)).toEqual([]);

      // The right password now asks for a reset (from any browser); a wrong one answers as ever.
      for (const agent of [remembered, t.agent()]) {
        const held = await agent.post('/auth').send({ email, password: PASSWORD });
        expect(held.status, JSON.stringify(held.body)).toBe(403);
        expect(held.body).toEqual({
          error: 'password_reset_required',
          message: expect.any(String),
          next: '/password/forgot',
        });
      }
      const wrong = await t.agent().post('/auth').send({ email, password: 'not the password at all' });
      const stranger = await t
        .agent()
        .post('/auth')
        .send({ email: uniqueEmail('nobody'), password: 'not the password' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: 'invalid_credentials', message: expect.any(String) });
      expect(stranger.status).toBe(401);
      expect(stranger.body).toEqual(wrong.body);

      // A reset releases it: the account signs in again, and the remembered browser is asked for
      // the authenticator like any other.
      await cooldown();
      const asked = Date.now();
      const resetter = t.agent();
      expect((await resetter.post('/password/forgot').send({ email })).status).toBe(200);
      const { code } = await mailWithSubject(
        t,
        email,
        message('en', 'mail.code.subject.reset', { product: PRODUCT }),
        asked,
      );
      const reset = await resetter.post('/password/reset').send({ code, password: NEW_PASSWORD });
      expect(reset.status, JSON.stringify(reset.body)).toBe(200);
      const again = await remembered.post('/auth').send({ email, password: NEW_PASSWORD });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.status).toBe('second_factor_required');
      const done = await remembered.post('/verify').send({ code: totpCode(secret, clock.now()) });
      clock.advance(STEP);
      expect(done.body).toEqual({ status: 'authenticated', next: '/home' });
      expect((await me(remembered)).status).toBe(200);
    });

    it('a token is single use, bound to its account and valid 7 days; a made-up, used or expired one gets one answer: 410 link_expired', async () => {
      const a = uniqueEmail('not-me-a');
      const b = uniqueEmail('not-me-b');
      await Promise.all([seedAccount(t, a), seedAccount(t, b)]);
      let from = Date.now();
      const a1 = browser();
      await signIn(a1, a);
      const tokenA1 = expectNotice(await noticeSince(a, 'newSignIn', 'en', from), 'newSignIn', 'en', from);
      await cooldown();
      from = Date.now();
      const a2 = browser();
      await signIn(a2, a);
      const tokenA2 = expectNotice(await noticeSince(a, 'newSignIn', 'en', from), 'newSignIn', 'en', from);
      from = Date.now();
      const b1 = browser();
      await signIn(b1, b);
      const tokenB = expectNotice(await noticeSince(b, 'newSignIn', 'en', from), 'newSignIn', 'en', from);

      // Kept for 7 days (only its hash is stored).
      const ttl = await redis.pTTL(`nm:${hashOf(tokenA1)}`);
      expect(ttl).toBeGreaterThan(WEEK_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(WEEK_MS);
      expect(await redis.exists(`nm:${tokenA1}`)).toBe(0);

      // B's token secures B only.
      expect((await notMe(t.agent(), tokenB)).body).toEqual({ status: 'secured', next: '/password/forgot' });
      expect((await me(b1)).status).toBe(401);
      expect((await me(a1)).status).toBe(200);
      expect((await me(a2)).status).toBe(200);

      // Used, made up, or expired: the same 410.
      const used = await notMe(t.agent(), tokenB);
      expect(used.status).toBe(410);
      expect(used.body).toEqual({ error: 'link_expired', message: expect.any(String) });
      const altered = `${tokenA1.slice(0, -1)}${tokenA1.endsWith('x') ? 'y' : 'x'}`;
      for (const madeUp of [randomBytes(32).toString('base64url'), 'made-up', altered]) {
        const res = await notMe(t.agent(), madeUp);
        expect(res.status, madeUp).toBe(410);
        expect(res.body, madeUp).toEqual(used.body);
      }
      await redis.pExpire(`nm:${hashOf(tokenA1)}`, 1);
      await sleep(20);
      const expired = await notMe(t.agent(), tokenA1);
      expect(expired.status).toBe(410);
      expect(expired.body).toEqual(used.body);
      expect((await me(a1)).status).toBe(200);
      expect((await me(a2)).status).toBe(200);

      // A's other notice still works, once.
      expect((await notMe(t.agent(), tokenA2)).body).toEqual({ status: 'secured', next: '/password/forgot' });
      expect((await me(a1)).status).toBe(401);
      expect((await me(a2)).status).toBe(401);
      expect((await notMe(t.agent(), tokenA2)).status).toBe(410);
    });

    it('works as a plain form: the page’s button posts the token with its CSRF token, then 303 to /password/forgot', async () => {
      const email = uniqueEmail('not-me-form');
      await seedAccount(t, email);
      const signedIn = browser();
      const from = Date.now();
      await signIn(signedIn, email);
      const token = expectNotice(await noticeSince(email, 'newSignIn', 'en', from), 'newSignIn', 'en', from);

      const reader = browser();
      const page = await reader.get(`/account/not-me?t=${encodeURIComponent(token)}`).set('Accept', HTML_ACCEPT);
      expect(page.status).toBe(200);
      expect((await me(signedIn)).status).toBe(200);
      const posted = await postForm(reader, '/account/not-me', { _csrf: csrfFrom(page.text), token });
      expect(posted.status).toBe(303);
      expect(posted.headers.location).toBe('/password/forgot');
      expect((await me(signedIn)).status).toBe(401);
      const held = await t.agent().post('/auth').send({ email, password: PASSWORD });
      expect(held.status).toBe(403);
      expect(held.body.error).toBe('password_reset_required');
    });
  });

  describe('GET /account/activity', () => {
    /** The account's activity as JSON, once its newest entries are recorded (they are written after the answer). */
    async function activityOf(agent: Agent, expected: (events: string[]) => boolean): Promise<Response> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const res = await agent.get('/account/activity').set('Accept', JSON_TYPE);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const events = (res.body.activity as { event: string }[]).map((e) => e.event);
        if (expected(events) || Date.now() > deadline) return res;
        await sleep(50);
      }
    }

    it('lists the events newest first, in order, with the browser and network, and never a code, password, token or session id', async () => {
      const email = uniqueEmail('activity');
      await seedAccount(t, email);
      const secrets: string[] = [PASSWORD];
      let from = Date.now();
      const reader = browser();
      const first = await signIn(reader, email);
      secrets.push(first.code, ...first.sids);
      secrets.push(expectNotice(await noticeSince(email, 'newSignIn', 'en', from), 'newSignIn', 'en', from));

      // Another browser: a wrong code, the right one, then it signs out.
      await cooldown();
      from = Date.now();
      const other = browser();
      const start = await other.post('/auth').send({ email, password: PASSWORD });
      expect(start.body.status).toBe('code_sent');
      const code = await t.codeFor(email);
      const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const wrong = await other.post('/verify').send({ code: wrongCode });
      expect(wrong.status).toBe(401);
      const right = await other.post('/verify').send({ code });
      expect(right.body).toEqual({ status: 'authenticated', next: '/home' });
      const out = await other.post('/logout').send({});
      expect(out.status).toBe(204);
      secrets.push(code, wrongCode, ...[start, wrong, right].map(sidSetBy).filter((s): s is string => !!s));
      secrets.push(expectNotice(await noticeSince(email, 'newSignIn', 'en', from), 'newSignIn', 'en', from));

      const expected = [
        'auth.signed_out',
        'auth.signed_in',
        'auth.factor_passed',
        'auth.factor_failed',
        'auth.challenge_started',
        'auth.factor_passed',
        'auth.signed_in',
        'auth.factor_passed',
        'auth.challenge_started',
        'auth.factor_passed',
      ];
      // The flow's events in the order they happened, newest first; other recorded events (e.g. one
      // for each code mailed) may sit between them, never an event of another kind.
      const flow = new Set(expected);
      const res = await activityOf(reader, (events) => events.filter((e) => flow.has(e)).length >= expected.length);
      expect(res.headers['cache-control']).toContain('no-store');
      const activity = res.body.activity as { at: string; event: string; device?: string; ip?: string }[];
      const events = activity.map((e) => e.event);
      expect(events[0]).toBe('auth.signed_out');
      expect(events.filter((e) => flow.has(e))).toEqual(expected);
      expect(
        events.filter((e) => !SECURITY_EVENTS.has(e)),
        'events that are not security events',
      ).toEqual([]);
      for (const entry of activity) {
        expect(
          Object.keys(entry).every((k) => ['at', 'event', 'device', 'ip'].includes(k)),
          JSON.stringify(entry),
        ).toBe(true);
        expect(new Date(entry.at).toISOString()).toBe(entry.at);
      }
      const times = activity.map((e) => Date.parse(e.at));
      expect([...times].sort((x, y) => y - x)).toEqual(times);
      for (const signedIn of activity.filter((e) => e.event === 'auth.signed_in')) {
        expect(signedIn).toMatchObject({ device: FIREFOX_NAME, ip: LOOPBACK_NETWORK });
      }

      // Neither the JSON nor the page holds a secret.
      const page = await reader.get('/account/activity').set('Accept', HTML_ACCEPT);
      expect(page.status).toBe(200);
      expect(page.text).toContain(message('en', 'activity.title'));
      expect(page.text).toContain(message('en', 'event.auth.signed_out'));
      expect(page.text).toContain(FIREFOX_NAME);
      expect(secrets.length).toBeGreaterThanOrEqual(9);
      const json = JSON.stringify(res.body);
      for (const secret of secrets) {
        expect(json, 'the JSON answer').not.toContain(secret);
        expect(page.text, 'the page').not.toContain(secret);
      }

      // Every event is named in words, never by its code name (`auth.signed_in`).
      const names = [...page.text.matchAll(/<strong>([^<]*)<\/strong>/g)].map((m) => m[1].trim());
      expect(names.length).toBeGreaterThanOrEqual(expected.length);
      expect(
        names.filter((name) => /^[a-z_]+\.[a-z_]+$/.test(name)),
        'events shown by their code name',
      ).toEqual([]);
    });

    it('records a password reset’s steps (asked for, mailed, a wrong code, the right one) beside the reset, with no code or password', async () => {
      const email = uniqueEmail('activity-reset');
      await seedAccount(t, email);
      const resetter = browser();
      const forgot = await resetter.post('/password/forgot').send({ email });
      expect(forgot.status).toBe(200);
      // The account's first mail: read as the next code, so the sign-in below reads its own.
      const code = await t.codeFor(email);
      const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const wrong = await resetter.post('/password/reset').send({ code: wrongCode, password: NEW_PASSWORD });
      expect(wrong.status).toBe(401);
      const right = await resetter.post('/password/reset').send({ code, password: NEW_PASSWORD });
      expect(right.status, JSON.stringify(right.body)).toBe(200);

      await cooldown();
      const reader = browser();
      const signedIn = await signIn(reader, email, NEW_PASSWORD);
      const res = await activityOf(
        reader,
        (events) => events.includes('password.reset') && events[0] === 'auth.signed_in',
      );
      const events = (res.body.activity as { event: string }[]).map((e) => e.event);
      // The reset's part, newest first; its code mail is recorded too (written once the account is looked up).
      const reset = events.slice(events.indexOf('password.reset'));
      expect(reset.filter((e) => e !== 'auth.code_sent')).toEqual([
        'password.reset',
        'auth.factor_passed',
        'auth.factor_failed',
        'auth.challenge_started',
      ]);
      expect(reset).toContain('auth.code_sent');
      const json = JSON.stringify(res.body);
      for (const secret of [code, wrongCode, NEW_PASSWORD, PASSWORD, signedIn.code, ...signedIn.sids]) {
        expect(json).not.toContain(secret);
      }
      for (const r of [forgot, wrong, right]) {
        const sid = sidSetBy(r);
        if (sid) expect(json).not.toContain(sid);
      }
    });

    it('records a wrong current password at a password change, then the right one and the change', async () => {
      const email = uniqueEmail('activity-change');
      await seedAccount(t, email);
      const agent = browser();
      await signIn(agent, email);
      const typo = 'not the password at all';
      const wrong = await agent.post('/account/password').send({ currentPassword: typo, newPassword: NEW_PASSWORD });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_credentials');
      const failed = await activityOf(agent, (events) => events[0] === 'auth.factor_failed');
      expect((failed.body.activity as { event: string }[])[0].event).toBe('auth.factor_failed');

      const changed = await agent
        .post('/account/password')
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      expect(changed.status, JSON.stringify(changed.body)).toBe(204);
      const res = await activityOf(agent, (events) => events[0] === 'password.changed');
      const events = (res.body.activity as { event: string }[]).map((e) => e.event);
      expect(events.slice(0, 4)).toEqual([
        'password.changed',
        'auth.factor_passed',
        'auth.factor_failed',
        'auth.signed_in',
      ]);
      const json = JSON.stringify(res.body);
      for (const secret of [typo, PASSWORD, NEW_PASSWORD]) expect(json).not.toContain(secret);
    });

    it('records forgetting a trusted browser from the session list', async () => {
      const email = uniqueEmail('activity-forget');
      await seedAccount(t, email);
      const agent = browser();
      await signIn(agent, email);
      const listed = await agent.get('/account/sessions').set('Accept', JSON_TYPE);
      const known = (listed.body.sessions as { id: string; kind: string }[]).filter((s) => s.kind === 'known');
      expect(known).toHaveLength(1);
      expect((await agent.delete(`/account/sessions/${known[0].id}`)).status).toBe(204);
      expect(await t.app.get(DevicesService).list(email)).toEqual([]);

      const res = await activityOf(agent, (events) => events[0] === 'account.session_revoked');
      const activity = res.body.activity as { event: string }[];
      expect(activity[0]).toEqual({ at: expect.any(String), event: 'account.session_revoked' });
      expect(JSON.stringify(res.body)).not.toContain(known[0].id);
    });

    it('keeps the last 50 events only', async () => {
      const { email, secret } = await totpAccount('activity-cap');
      const agent = browser();
      await passwordThenTotp(agent, email, secret, { remember: true });
      // Each round: signed out, then the password alone (a remembered browser): 3 events, no mail.
      for (let i = 0; i < 18; i++) {
        expect((await agent.post('/logout').send({})).status).toBe(204);
        const again = await agent.post('/auth').send({ email, password: PASSWORD });
        expect(again.body, `round ${i}`).toEqual({ status: 'authenticated', next: '/home' });
      }
      // About ten events before the rounds and 54 in them: only the newest 50 are kept, all from the rounds.
      const round = ['auth.signed_in', 'auth.factor_passed', 'auth.signed_out'];
      const res = await activityOf(agent, (events) => events[0] === 'auth.signed_in' && events.length >= 50);
      const events = (res.body.activity as { event: string }[]).map((e) => e.event);
      expect(events).toHaveLength(50);
      expect(await redis.lLen(`act:${email}`)).toBe(50);
      const rounds = events.filter((e) => round.includes(e));
      expect(rounds).toEqual(Array.from({ length: rounds.length }, (_, i) => round[i % 3]));
      expect(rounds.length).toBeGreaterThanOrEqual(48);
      for (const older of ['account.totp_enabled', 'auth.challenge_started']) expect(events).not.toContain(older);
    });

    it('is for signed-in sessions only', async () => {
      const res = await t.agent().get('/account/activity').set('Accept', JSON_TYPE);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
      const page = await t.agent().get('/account/activity').set('Accept', HTML_ACCEPT);
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/auth');
    });
  });

  describe('the per-account session index (si:<email>)', () => {
    it('costs at most 64 bytes of Redis per signed-in session, and ended sessions leave it', async () => {
      const { email, agent: first, secret } = await totpAccount('session-index');
      const key = `si:${email}`;
      const list = (agent: Agent) => agent.get('/account/sessions').set('Accept', JSON_TYPE);
      // Reading the list drops the id the enrolment rotated away from.
      expect((await list(first)).status).toBe(200);
      expect(await redis.zCard(key)).toBe(1);
      const one = await redis.memoryUsage(key);

      const browsers: { agent: Agent; sid: string }[] = [];
      for (let i = 0; i < 9; i++) {
        const agent = browser();
        const res = await passwordThenTotp(agent, email, secret);
        browsers.push({ agent, sid: sessionIdOf(res) });
      }
      expect(await redis.zCard(key)).toBe(10);
      const members = await redis.zRange(key, 0, -1);
      for (const { sid } of browsers) expect(members).toContain(sid);
      const ten = await redis.memoryUsage(key);
      expect(one).not.toBeNull();
      expect(ten).not.toBeNull();
      const perSession = (ten! - one!) / 9;
      expect(perSession, `MEMORY USAGE ${key}: ${one} bytes with 1 member, ${ten} with 10`).toBeLessThanOrEqual(64);

      // One ended from the list (by the newest browser: its sign-in is fresh), one signed out.
      const newest = browsers[8].agent;
      const listed = (await list(newest)).body.sessions as { id: string; kind: string; current: boolean }[];
      const target = browsers[0];
      const own = listed.filter((s) => s.kind === 'session');
      expect(own).toHaveLength(10);
      const targetId = t.app.get(SessionService).publicId(target.sid);
      expect((await newest.delete(`/account/sessions/${targetId}`)).status).toBe(204);
      expect((await me(target.agent)).status).toBe(401);
      expect((await list(newest)).status).toBe(200);
      expect(await redis.zCard(key)).toBe(9);
      expect(await redis.zScore(key, target.sid)).toBeNull();

      const leaving = browsers[1];
      expect((await leaving.agent.post('/logout').send({})).status).toBe(204);
      expect((await list(newest)).status).toBe(200);
      expect(await redis.zCard(key)).toBe(8);
      expect(await redis.zScore(key, leaving.sid)).toBeNull();
    });
  });
});

describe('“this wasn’t me” in email mode', () => {
  const clock = new SettableClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' }, { clock });
  });
  afterAll(async () => {
    await t?.close();
    await flushMfaKeys();
    await flushAccountKeys();
  });

  const browser = (): Agent => t.agent().set('User-Agent', FIREFOX).set('Accept-Language', 'en');
  const newSignInSubject = message('en', 'mail.notice.newSignIn.subject', { product: PRODUCT });

  /** The emailed code, then (for an account with an authenticator) its current code. */
  async function signIn(agent: Agent, email: string, body: object = {}, secret?: string): Promise<Response> {
    const start = await agent.post('/auth').send({ email });
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body.status).toBe('code_sent');
    const verified = await agent.post('/verify').send({ code: await t.codeFor(email) });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    if (!secret) return verified;
    expect(verified.body.status).toBe('second_factor_required');
    const res = await agent.post('/verify').send({ code: totpCode(secret, clock.now()), ...body });
    clock.advance(STEP);
    return res;
  }

  it('a sign-up is not mailed a notice; after the link’s POST no reset is asked: the next sign-in is as usual, and a remembered browser is asked for the authenticator again', async () => {
    const email = uniqueEmail('not-me-email');
    const first = browser();
    // The first verified sign-in creates the account: no "new browser" notice for it.
    expect((await signIn(first, email)).body).toEqual({ status: 'authenticated', next: '/home' });
    const { secret } = await enrolTotp(first, clock.now());
    clock.advance(STEP);
    await sleep(400);
    await t.app.get(MailDispatcher).drain(3000);
    expect(t.smtp.mailsTo(email).filter((m) => m.subject === newSignInSubject)).toEqual([]);

    await cooldown();
    const remembered = browser();
    const from = Date.now();
    const signedIn = await signIn(remembered, email, { remember: true }, secret);
    expect(signedIn.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(cookieValue(signedIn, 'rd')).toMatch(/^[\w-]{43}$/);
    const mail = await mailWithSubject(t, email, newSignInSubject, from);
    const token = notMeTokenOf(mail, t.config.appUrl);

    const secured = await t.agent().post('/account/not-me').send({ token });
    expect(secured.status, JSON.stringify(secured.body)).toBe(200);
    expect(secured.body).toEqual({ status: 'secured', next: '/auth' });
    expect((await me(first)).status).toBe(401);
    expect((await me(remembered)).status).toBe(401);
    expect(await t.app.get(DevicesService).list(email)).toEqual([]);

    // No password to reset: the emailed code works as before, and the authenticator is asked for
    // in the browser that was remembered.
    await cooldown();
    const again = await remembered.post('/auth').send({ email });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.status).toBe('code_sent');
    const afterCode = await remembered.post('/verify').send({ code: await t.codeFor(email) });
    expect(afterCode.status, JSON.stringify(afterCode.body)).toBe(200);
    expect(afterCode.body).toMatchObject({ status: 'second_factor_required', next: '/verify' });
    const done = await remembered.post('/verify').send({ code: totpCode(secret, clock.now()) });
    clock.advance(STEP);
    expect(done.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(remembered)).status).toBe(200);
  });
});

/**
 * Deletes what these tests left under this worker's mail domain beside accounts and factors: password
 * holds, activity, session indexes, trusted browsers, and "this wasn't me" grants (named by a hash,
 * so found by the account they name).
 */
async function flushAccountKeys(): Promise<void> {
  const domain = uniqueEmail().split('@')[1];
  for (const prefix of ['hold', 'act', 'si', 'dva']) {
    await flushKeys(testRedisUrl(), `${prefix}:*@${domain}`).catch(() => undefined);
  }
  const redis = createClient({ url: testRedisUrl() });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: 'nm:*', COUNT: 500 })) {
      for (const key of keys) if ((await redis.get(key))?.includes(`@${domain}"`)) await redis.unlink(key);
    }
  } finally {
    redis.destroy();
  }
}
