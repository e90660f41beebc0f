/**
 * Email sign-in people can finish, end to end against the real app, a real Redis and a real SMTP
 * server (codes and links are read from the delivered mails):
 * - earlier codes still count: the last OTP_VALID_CODES codes of a challenge are all accepted until
 *   its deadline, share its attempts, and are used up together; OTP_VALID_CODES=1 voids the previous;
 * - no dead end: an expired or exhausted step says why and `POST /verify/restart` starts it again,
 *   under the address's cooldown, caps and lock, in email and password mode;
 * - the sign-in link beside the code completes the step only in the browser that asked for it;
 * - the mails themselves: `Auto-Submitted`, a stable `Message-ID`, code and link in both parts.
 */
import { readFileSync } from 'node:fs';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailDispatcher } from '../src/mail/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import {
  forgedToken,
  HeaderSmtpServer,
  headerValues,
  linksInHtml,
  linksInText,
  type SignInLink,
  signInLinkOf,
} from './support/mail-link.js';
import {
  type Agent,
  type ClockedTestApp,
  createClockedTestApp,
  csrfFrom,
  enrolTotp,
  HTML_ACCEPT,
  JSON_TYPE,
  me,
  PASSWORD,
  postForm,
  seedAccount,
  totpCode,
} from './support/mfa.js';
import { type RedisClient } from '../src/redis/index.js';
import { otpKey, connectTestRedis } from './support/redis.js';
import { extractCode, type ReceivedMail } from './support/smtp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Just past OTP_RESEND_SECONDS=1: the address may be mailed again. */
const COOLDOWN_MS = 1050;

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

/** `s` as a regular expression source that matches it literally. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A catalog message with its `{name}` placeholders filled, as a page shows it (escaped). */
const say = (messages: Record<string, string>, key: string, params: Record<string, string | number> = {}) =>
  escapeHtml(Object.entries(params).reduce((s, [k, v]) => s.split(`{${k}}`).join(String(v)), messages[key]));

/** What an answer says, without what differs between runs (times, Retry-After values). */
function summary(res: Response): string {
  const b = res.body as { error?: string; status?: string; attemptsRemaining?: number; reason?: string };
  const parts = [String(res.status), b.error ?? b.status ?? '-'];
  if (b.attemptsRemaining !== undefined) parts.push(`left=${b.attemptsRemaining}`);
  if (b.reason !== undefined) parts.push(`reason=${b.reason}`);
  if (res.headers['retry-after'] !== undefined) parts.push('retry-after');
  return parts.join(' ');
}

const retryAfter = (res: Response) => Number(res.headers['retry-after']);

/** A 6-digit code that is none of `codes`. */
function otherCode(...codes: string[]): string {
  let n = Number(codes[0] ?? '0');
  let code: string;
  do {
    n = (n + 1) % 1_000_000;
    code = String(n).padStart(6, '0');
  } while (codes.includes(code));
  return code;
}

const verify = (agent: Agent, code: string) => agent.post('/verify').send({ code });
const verifyLink = (agent: Agent, token: string) => agent.post('/verify/link').send({ token });
const resend = (agent: Agent) => agent.post('/verify/resend').send({});
const restart = (agent: Agent) => agent.post('/verify/restart').send({});
const status = (agent: Agent) => agent.get('/verify/status').set('Accept', JSON_TYPE);
const page = (agent: Agent, path: string, locale = 'en') =>
  agent.get(path).set({ Accept: HTML_ACCEPT, 'Accept-Language': locale });
/** The path and query of a link, for supertest. */
const pathOf = (link: SignInLink) => {
  const u = new URL(link.url);
  return `${u.pathname}${u.search}`;
};

/** The `#ended` notice of the code page (throws when there is none). */
function endedNotice(html: string): string {
  const m = /<div[^>]*\bid="ended"[^>]*>([\s\S]*?)<\/div>/.exec(html);
  if (!m) throw new Error(`No #ended notice in the page:\n${html}`);
  return m[1];
}

/** The `<form action="/verify/restart">` of a page, or undefined. */
const restartForm = (html: string) => /<form[^>]*action="\/verify\/restart"[^>]*>[\s\S]*?<\/form>/.exec(html)?.[0];

/** Sleeps until `ms` past the deadline a `code_sent` answer gave. */
async function untilExpired(start: Response, ms = 150): Promise<void> {
  const deadline = Date.parse((start.body as { expiresAt: string }).expiresAt);
  expect(Number.isNaN(deadline), 'expiresAt in the answer').toBe(false);
  await sleep(Math.max(0, deadline + ms - Date.now()));
}

let redis: RedisClient;
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(() => redis?.destroy());

const challengeKey = (link: SignInLink) => otpKey('c', link.challengeId);

/** A mail's code and sign-in link. */
function answersOf(t: TestApp, mail: ReceivedMail): { code: string; link: SignInLink } {
  if (!mail.code) throw new Error(`No code in the mail: ${mail.text}`);
  return { code: mail.code, link: signInLinkOf(mail, t.config.appUrl) };
}

/**
 * Starts an email-mode sign-in for `email` in `agent`, then asks for `count - 1` more codes, a
 * cooldown apart. Returns the start's answer and each mail's code and link, oldest first.
 */
async function codesSent(t: TestApp, agent: Agent, email: string, count: number) {
  const start = await agent.post('/auth').send({ email });
  expect(summary(start)).toBe('200 code_sent');
  const mails = [answersOf(t, await t.mailTo(email))];
  for (let i = 1; i < count; i++) {
    await sleep(COOLDOWN_MS);
    expect(summary(await resend(agent))).toBe('200 code_sent');
    mails.push(answersOf(t, await t.mailTo(email)));
  }
  return { start, codes: mails.map((m) => m.code), links: mails.map((m) => m.link) };
}

describe('email mode (OTP_VALID_CODES=3, OTP_RESEND_SECONDS=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1', OTP_VALID_CODES: '3' });
  });
  afterAll(() => t?.close());

  describe('earlier codes still count', () => {
    it('each of three codes sent (the first and two resends) signs in, in three separate sign-ins', async () => {
      const runs = await Promise.all(
        [0, 1, 2].map(async (which) => {
          const email = uniqueEmail(`code${which}`);
          const agent = t.agent();
          const { codes, links } = await codesSent(t, agent, email, 3);
          // Three codes of one challenge.
          expect(new Set(codes).size).toBe(3);
          expect(new Set(links.map((l) => l.challengeId)).size).toBe(1);
          const res = await verify(agent, codes[which]);
          const who = await me(agent);
          return `code ${which + 1}: ${summary(res)}, /me ${who.status} ${who.body.email === email ? 'same email' : '?'}`;
        }),
      );
      expect(runs).toEqual([
        'code 1: 200 authenticated, /me 200 same email',
        'code 2: 200 authenticated, /me 200 same email',
        'code 3: 200 authenticated, /me 200 same email',
      ]);
    });

    it('a fourth, older code no longer counts, nor its link; the newer three still do', async () => {
      const email = uniqueEmail('fourth');
      const agent = t.agent();
      const { codes, links } = await codesSent(t, agent, email, 4);
      expect(codes.slice(1)).not.toContain(codes[0]);
      expect(summary(await verify(agent, codes[0]))).toBe('401 invalid_code left=4');
      expect(summary(await verifyLink(agent, links[0].token))).toBe('401 invalid_code left=3');
      expect(summary(await verify(agent, codes[1]))).toBe('200 authenticated');
    });

    it('wrong answers between resends share one count; a resend restores no attempt and keeps the deadline', async () => {
      const email = uniqueEmail('shared');
      const agent = t.agent();
      const start = await agent.post('/auth').send({ email });
      expect(summary(start)).toBe('200 code_sent');
      const codes = [(await t.mailTo(email)).code!];
      const log: string[] = [];
      const check = async () => {
        const s = await status(agent);
        expect(s.status).toBe(200);
        expect(s.body.expiresAt, 'the deadline of the first answer').toBe(start.body.expiresAt);
        log.push(`status left=${s.body.attemptsRemaining}`);
      };
      await check();
      log.push(`wrong: ${summary(await verify(agent, otherCode(...codes)))}`);
      for (let i = 0; i < 2; i++) {
        await sleep(COOLDOWN_MS);
        log.push(`resend: ${summary(await resend(agent))}`);
        codes.push((await t.mailTo(email)).code!);
        await check();
        log.push(`wrong: ${summary(await verify(agent, otherCode(...codes)))}`);
      }
      await check();
      expect(log).toEqual([
        'status left=5',
        'wrong: 401 invalid_code left=4',
        'resend: 200 code_sent',
        'status left=4',
        'wrong: 401 invalid_code left=3',
        'resend: 200 code_sent',
        'status left=3',
        'wrong: 401 invalid_code left=2',
        'status left=2',
      ]);
      // The first code still counts after all that.
      expect(summary(await verify(agent, codes[0]))).toBe('200 authenticated');
    });

    it('five wrong answers end the challenge for all three codes: 410 (reason attempts), and the page says why', async () => {
      const email = uniqueEmail('exhausted');
      const agent = t.agent();
      const { codes, links } = await codesSent(t, agent, email, 3);
      const left: number[] = [];
      for (let i = 0; i < 5; i++) left.push((await verify(agent, otherCode(...codes))).body.attemptsRemaining);
      expect(left).toEqual([4, 3, 2, 1, 0]);
      for (const code of codes)
        expect(summary(await verify(agent, code))).toBe('410 challenge_expired reason=attempts');
      expect(summary(await verifyLink(agent, links[2].token))).toBe('410 challenge_expired reason=attempts');
      const s = await status(agent);
      expect(s.status).toBe(410);
      expect(s.body).toMatchObject({ error: 'challenge_expired', reason: 'attempts' });

      const en = await page(agent, '/verify');
      expect(en.status).toBe(200);
      expect(endedNotice(en.text)).toContain(say(EN, 'verify.endedAttempts'));
      expect(endedNotice(en.text)).not.toContain(say(EN, 'verify.endedExpired'));
      expect(restartForm(en.text)).toContain(say(EN, 'verify.restart'));
      expect(en.text).not.toContain('name="code"');
      const fr = await page(agent, '/verify', 'fr');
      expect(fr.text).toContain('<html lang="fr">');
      expect(endedNotice(fr.text)).toContain(say(FR, 'verify.endedAttempts'));
      expect(restartForm(fr.text)).toContain(say(FR, 'verify.restart'));
      expect((await me(agent)).status).toBe(401);
    });

    it('using one code consumes the challenge: the other two then answer 410', async () => {
      const email = uniqueEmail('consumed');
      const agent = t.agent();
      const { codes, links } = await codesSent(t, agent, email, 3);
      expect(await redis.exists(challengeKey(links[0]))).toBe(1);
      expect(summary(await verify(agent, codes[1]))).toBe('200 authenticated');
      expect(await redis.exists(challengeKey(links[0]))).toBe(0);
      expect(summary(await verify(agent, codes[0]))).toMatch(/^410 challenge_expired/);
      expect(summary(await verify(agent, codes[2]))).toMatch(/^410 challenge_expired/);
    });

    it('the three valid codes submitted at once: exactly one succeeds', async () => {
      const email = uniqueEmail('parallel');
      const agent = t.agent();
      const { codes, links } = await codesSent(t, agent, email, 3);
      const answers = await Promise.all(codes.map((code) => verify(agent, code)));
      expect(answers.map((r) => r.status).sort()).toEqual([200, 410, 410]);
      expect(answers.filter((r) => r.body.status === 'authenticated')).toHaveLength(1);
      expect(await redis.exists(challengeKey(links[0]))).toBe(0);
    });

    it('the code page says any code of the last 10 minutes works (English and French)', async () => {
      const email = uniqueEmail('any-code');
      const agent = t.agent();
      expect(summary(await agent.post('/auth').send({ email }))).toBe('200 code_sent');
      const en = await page(agent, '/verify');
      expect(en.text).toMatch(
        new RegExp(`<p[^>]*id="any-code"[^>]*>${literal(say(EN, 'verify.anyCode', { minutes: 10 }))}</p>`),
      );
      const fr = await page(agent, '/verify', 'fr');
      expect(fr.text).toMatch(
        new RegExp(`<p[^>]*id="any-code"[^>]*>${literal(say(FR, 'verify.anyCode', { minutes: 10 }))}</p>`),
      );
    });
  });

  describe('no dead end after the attempts ran out', () => {
    it('POST /verify/restart sends a new code once the cooldown allows; the new code signs in', async () => {
      const email = uniqueEmail('restart-attempts');
      const agent = t.agent();
      const first = await agent.post('/auth').send({ email });
      const old = answersOf(t, await t.mailTo(email));
      for (let i = 0; i < 5; i++) await verify(agent, otherCode(old.code));
      expect(summary(await verify(agent, old.code))).toBe('410 challenge_expired reason=attempts');
      await sleep(COOLDOWN_MS);

      const again = await restart(agent);
      expect(again.status, summary(again)).toBe(200);
      expect(again.body).toEqual({
        status: 'code_sent',
        next: '/verify',
        expiresAt: expect.any(String),
        resendAfter: 1,
      });
      // A new challenge: a new deadline and all its attempts.
      expect(Date.parse(again.body.expiresAt)).toBeGreaterThan(Date.parse(first.body.expiresAt));
      expect((await status(agent)).body).toMatchObject({ status: 'pending', step: 'email_otp', attemptsRemaining: 5 });
      expect(restartForm((await page(agent, '/verify')).text)).toBeUndefined();
      const fresh = answersOf(t, await t.mailTo(email));
      expect(fresh.link.challengeId).not.toBe(old.link.challengeId);
      expect(summary(await verify(agent, fresh.code))).toBe('200 authenticated');
      expect((await me(agent)).body.email).toBe(email);
    });

    it('restart respects the lock: 429 locked with Retry-After once the address has ten failures', async () => {
      const email = uniqueEmail('restart-locked');
      const [a, b] = [t.agent(), t.agent()];
      expect(summary(await a.post('/auth').send({ email }))).toBe('200 code_sent');
      const codeA = (await t.mailTo(email)).code!;
      for (let i = 0; i < 5; i++) await verify(a, otherCode(codeA));
      await sleep(COOLDOWN_MS);
      expect(summary(await b.post('/auth').send({ email }))).toBe('200 code_sent');
      const codeB = (await t.mailTo(email)).code!;
      const left: string[] = [];
      for (let i = 0; i < 5; i++) left.push(summary(await verify(b, otherCode(codeB))));
      // The 10th failure is still an ordinary wrong code; from then on the address is locked.
      expect(left.at(-1)).toBe('401 invalid_code left=0');
      await sleep(COOLDOWN_MS); // the cooldown is not what refuses

      const locked = await restart(a);
      expect(summary(locked)).toBe('429 locked retry-after');
      expect(retryAfter(locked)).toBeGreaterThan(850);
      expect(retryAfter(locked)).toBeLessThanOrEqual(900);
      expect(locked.body.retryAfter).toBe(retryAfter(locked));
      // Nothing was sent, and the page still says why the step ended.
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email)).toHaveLength(2);
      expect(endedNotice((await page(a, '/verify')).text)).toContain(say(EN, 'verify.endedAttempts'));
    });

    it('restart respects the caps: past 5 mails in an hour it answers 429 rate_limited with Retry-After', async () => {
      const email = uniqueEmail('restart-capped');
      const agent = t.agent();
      const answers = [summary(await agent.post('/auth').send({ email }))];
      // A pending step may be restarted too: each restart is one more mail to the address.
      for (let i = 0; i < 4; i++) {
        await sleep(COOLDOWN_MS);
        answers.push(summary(await restart(agent)));
      }
      expect(answers).toEqual(Array(5).fill('200 code_sent'));
      await sleep(COOLDOWN_MS);
      const sixth = await restart(agent);
      expect(summary(sixth)).toBe('429 rate_limited retry-after');
      expect(retryAfter(sixth)).toBeGreaterThan(3500);
      expect(retryAfter(sixth)).toBeLessThanOrEqual(3600);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email)).toHaveLength(5);
      // The step the fifth mail started is still there, and its code works.
      expect(summary(await verify(agent, t.smtp.mailsTo(email)[4].code!))).toBe('200 authenticated');
    });

    it('with nothing pending or ended: 410', async () => {
      expect(summary(await restart(t.agent()))).toMatch(/^410 challenge_expired/);
      const email = uniqueEmail('restart-done');
      const agent = t.agent();
      expect(summary(await agent.post('/auth').send({ email }))).toBe('200 code_sent');
      expect(summary(await verify(agent, await t.codeFor(email)))).toBe('200 authenticated');
      expect(summary(await restart(agent))).toMatch(/^410 challenge_expired/);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email)).toHaveLength(1);
    });
  });
});

describe('OTP_VALID_CODES=1', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1', OTP_VALID_CODES: '1' });
  });
  afterAll(() => t?.close());

  it('a resend voids the previous code and its link, and the page does not say earlier codes work', async () => {
    const email = uniqueEmail('one-code');
    const agent = t.agent();
    const { codes, links } = await codesSent(t, agent, email, 2);
    expect((await page(agent, '/verify')).text).not.toContain('id="any-code"');
    expect(summary(await verify(agent, codes[0]))).toBe('401 invalid_code left=4');
    expect(summary(await verifyLink(agent, links[0].token))).toBe('401 invalid_code left=3');
    expect(summary(await verify(agent, codes[1]))).toBe('200 authenticated');
  });
});

describe('no dead end after expiry (email mode, OTP_TTL_SECONDS=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_TTL_SECONDS: '1', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('the code page says the code expired (English, French) and offers one button; the API answers 410 reason expired', async () => {
    const email = uniqueEmail('ended');
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email });
    const code = await t.codeFor(email);
    await untilExpired(start);

    const en = await page(agent, '/verify');
    expect(en.status).toBe(200);
    expect(endedNotice(en.text)).toContain(say(EN, 'verify.endedExpired'));
    const form = restartForm(en.text);
    expect(form).toContain('method="post"');
    expect(form).toMatch(/<input type="hidden" name="_csrf" value="[^"]+">/);
    expect(form).toContain(say(EN, 'verify.restartIntro', { email }));
    expect(form?.match(/<button/g)).toHaveLength(1);
    expect(form).toContain(say(EN, 'verify.restart'));
    expect(en.text).not.toContain('name="code"');
    const fr = await page(agent, '/verify', 'fr');
    expect(fr.text).toContain('<html lang="fr">');
    expect(endedNotice(fr.text)).toContain(say(FR, 'verify.endedExpired'));
    expect(restartForm(fr.text)).toContain(say(FR, 'verify.restart'));

    const s = await status(agent);
    expect(s.status).toBe(410);
    expect(s.body).toMatchObject({ error: 'challenge_expired', reason: 'expired' });
    expect(summary(await verify(agent, code))).toBe('410 challenge_expired reason=expired');
  });

  it('POST /verify/restart answers as POST /auth would, and the new code signs in', async () => {
    const email = uniqueEmail('restart');
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email });
    const old = answersOf(t, await t.mailTo(email));
    await untilExpired(start);

    const again = await restart(agent);
    expect(again.status, summary(again)).toBe(200);
    expect(again.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });
    expect(Date.parse(again.body.expiresAt)).toBeGreaterThan(Date.now());
    const fresh = answersOf(t, await t.mailTo(email));
    expect(fresh.link.challengeId).not.toBe(old.link.challengeId);
    // The expired code does not complete the new challenge.
    expect(fresh.code).not.toBe(old.code);
    expect(summary(await verify(agent, old.code))).toBe('401 invalid_code left=4');
    expect(summary(await verify(agent, fresh.code))).toBe('200 authenticated');
    expect((await me(agent)).body.email).toBe(email);
  });

  it('a form post from the ended page: 303 to /verify, the code page again, and the new code signs in', async () => {
    const email = uniqueEmail('restart-form');
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email });
    await t.codeFor(email);
    await untilExpired(start);
    const ended = await page(agent, '/verify');
    const res = await postForm(agent, '/verify/restart', { _csrf: csrfFrom(ended.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/verify');
    const codePage = await page(agent, '/verify');
    expect(codePage.text).not.toContain('id="ended"');
    expect(codePage.text).toContain('name="code"');
    const done = await postForm(agent, '/verify', { _csrf: csrfFrom(codePage.text), code: await t.codeFor(email) });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/home');
  });

  it('restart respects the address cooldown: 429 rate_limited with Retry-After, and the page still offers it', async () => {
    const email = uniqueEmail('restart-cooldown');
    const [a, b] = [t.agent(), t.agent()];
    const start = await a.post('/auth').send({ email });
    await t.codeFor(email);
    await untilExpired(start);
    // Another browser mails the address now: its cooldown starts again.
    expect(summary(await b.post('/auth').send({ email }))).toBe('200 code_sent');
    await t.codeFor(email);

    const early = await restart(a);
    expect(summary(early)).toBe('429 rate_limited retry-after');
    expect(retryAfter(early)).toBe(1);
    expect(early.body.retryAfter).toBe(1);
    const ended = await page(a, '/verify');
    expect(endedNotice(ended.text)).toContain(say(EN, 'verify.endedExpired'));
    expect(restartForm(ended.text)).toBeDefined();

    await sleep(retryAfter(early) * 1000 + 50);
    const since = Date.now();
    expect(summary(await restart(a))).toBe('200 code_sent');
    const mail = await t.smtp.waitForMail(email, { since });
    expect(summary(await verify(a, mail.code!))).toBe('200 authenticated');
  });

  it('an expired link is refused: 410 challenge_expired', async () => {
    const email = uniqueEmail('link-expired');
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email });
    const { link } = answersOf(t, await t.mailTo(email));
    await untilExpired(start);
    expect(summary(await verifyLink(agent, link.token))).toBe('410 challenge_expired reason=expired');
    expect((await me(agent)).status).toBe(401);
  });
});

describe('no dead end in password mode (OTP_TTL_SECONDS=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_TTL_SECONDS: '1', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  /** An account, and its password accepted in `agent` (a code on its way); returns the answer. */
  async function passwordPassed(agent: Agent, email: string): Promise<Response> {
    await seedAccount(t, email);
    const start = await agent.post('/auth').send({ email, password: PASSWORD });
    expect(summary(start)).toBe('200 code_sent');
    return start;
  }

  it('the password already passed counts: restart asks for none, and the new code completes both factors', async () => {
    const email = uniqueEmail('pw-restart');
    const agent = t.agent();
    const start = await passwordPassed(agent, email);
    await t.codeFor(email);
    await untilExpired(start);
    expect(endedNotice((await page(agent, '/verify')).text)).toContain(say(EN, 'verify.endedExpired'));
    expect(restartForm((await page(agent, '/verify')).text)).toBeDefined();

    const again = await restart(agent);
    expect(again.status, summary(again)).toBe(200);
    expect(again.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });
    expect(summary(await verify(agent, await t.codeFor(email)))).toBe('200 authenticated');
    expect((await me(agent)).body).toMatchObject({ email, factors: ['pwd', 'email_otp'] });
  });

  it('restart respects the cooldown (429 rate_limited) and the lock (429 locked)', async () => {
    const email = uniqueEmail('pw-restart-limits');
    const a = t.agent();
    const start = await passwordPassed(a, email);
    await t.codeFor(email);
    await untilExpired(start);
    expect(summary(await t.agent().post('/auth').send({ email, password: PASSWORD }))).toBe('200 code_sent');
    const early = await restart(a);
    expect(summary(early)).toBe('429 rate_limited retry-after');
    expect(retryAfter(early)).toBe(1);

    // Ten wrong passwords from elsewhere lock the address (the 10th is still a 401).
    const wrong: string[] = [];
    for (let i = 0; i < 10; i++)
      wrong.push(summary(await t.agent().post('/auth').send({ email, password: 'nope nope nope' })));
    expect(wrong).toEqual(Array(10).fill('401 invalid_credentials'));
    await sleep(COOLDOWN_MS);
    const locked = await restart(a);
    expect(summary(locked)).toBe('429 locked retry-after');
    expect(retryAfter(locked)).toBeGreaterThan(850);
    expect(retryAfter(locked)).toBeLessThanOrEqual(900);
  });

  it('an expired link is refused: 410 challenge_expired', async () => {
    const email = uniqueEmail('pw-link-expired');
    const agent = t.agent();
    const start = await passwordPassed(agent, email);
    const { link } = answersOf(t, await t.mailTo(email));
    await untilExpired(start);
    expect(summary(await verifyLink(agent, link.token))).toBe('410 challenge_expired reason=expired');
    expect((await me(agent)).status).toBe(401);
  });

  it('a sign-up cannot be restarted (its password went with its challenge): no button, 410', async () => {
    const email = uniqueEmail('pw-signup');
    const agent = t.agent();
    const start = await agent.post('/register').send({ email, password: PASSWORD });
    expect(summary(start)).toBe('200 code_sent');
    await t.codeFor(email);
    await untilExpired(start);
    const ended = await page(agent, '/verify');
    expect(endedNotice(ended.text)).toContain(say(EN, 'verify.endedExpired'));
    expect(restartForm(ended.text)).toBeUndefined();
    expect(summary(await restart(agent))).toMatch(/^410 challenge_expired/);
  });
});

const MODES = [
  { mode: 'email', factors: ['email_otp'] },
  { mode: 'password', factors: ['pwd', 'email_otp'] },
] as const;

describe.each(MODES)('the sign-in link, $mode mode', ({ mode, factors }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: mode, OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  /** Signs in as far as the emailed code in `agent`; returns the mail, its code and its link. */
  async function begin(agent: Agent, email: string, locale = 'en') {
    if (mode === 'password') await seedAccount(t, email);
    const body = mode === 'password' ? { email, password: PASSWORD } : { email };
    const start = await agent.post('/auth').set('Accept-Language', locale).send(body);
    expect(summary(start)).toBe('200 code_sent');
    const mail = await t.mailTo(email);
    return { mail, ...answersOf(t, mail) };
  }

  it('the mail carries APP_URL/verify/link?t=<token> beside the code, in the text and in the HTML part', async () => {
    const email = uniqueEmail('link-mail');
    const { mail, code, link } = await begin(t.agent(), email);
    expect(link.url.startsWith(`${t.config.appUrl}/verify/link?t=`)).toBe(true);
    // `<challenge id>.<secret>`, the secret 256 bits of base64url.
    expect(link.token).toMatch(/^[\w-]+\.[\w-]{43}$/);
    expect(mail.text).toContain(code);
    expect(mail.html).toMatch(new RegExp(`>\\s*${code}\\s*<`));
    expect(mail.text).toContain(EN['mail.code.orLink']);
    expect(mail.html).toContain(escapeHtml(EN['mail.code.linkText']));
  });

  it('GET /verify/link only shows a page with one button (English, French); it changes nothing and the code still works', async () => {
    const email = uniqueEmail('link-page');
    const agent = t.agent();
    const { code, link } = await begin(agent, email);
    const en = await page(agent, pathOf(link));
    expect(en.status).toBe(200);
    expect(en.headers['cache-control']).toBe('no-store');
    expect(en.text).toContain(say(EN, 'link.intro'));
    expect(en.text.match(/<button\b/g)).toHaveLength(1);
    expect(en.text).toMatch(
      new RegExp(`<button type="submit" id="link-confirm">${literal(say(EN, 'link.confirm'))}</button>`),
    );
    expect(en.text).toContain('<form method="post" action="/verify/link"');
    expect(en.text).toContain(`<input type="hidden" name="token" value="${escapeHtml(link.token)}">`);
    expect(en.text).not.toContain('id="other-browser"');
    const fr = await page(agent, pathOf(link), 'fr');
    expect(fr.text).toContain('<html lang="fr">');
    expect(fr.text).toContain(say(FR, 'link.intro'));
    expect(fr.text).toContain(`>${say(FR, 'link.confirm')}</button>`);

    // A mail scanner opening it again changes nothing either.
    expect((await t.agent().get(pathOf(link))).status).toBe(200);
    expect((await status(agent)).body).toMatchObject({ status: 'pending', step: 'email_otp', attemptsRemaining: 5 });
    expect((await me(agent)).status).toBe(401);
    expect(await redis.exists(otpKey('f', email))).toBe(0);
    expect(summary(await verify(agent, code))).toBe('200 authenticated');
  });

  it('a JSON post in the browser that asked signs it in; the same token again is refused (410)', async () => {
    const email = uniqueEmail('link-json');
    const agent = t.agent();
    const { code, link } = await begin(agent, email);
    const res = await verifyLink(agent, link.token);
    expect(res.status, summary(res)).toBe(200);
    expect(res.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(agent)).body).toMatchObject({ email, factors });
    expect(await redis.exists(challengeKey(link))).toBe(0);

    const again = await verifyLink(agent, link.token);
    expect(summary(again)).toMatch(/^410 challenge_expired/);
    expect(summary(await verify(agent, code))).toMatch(/^410 challenge_expired/);
  });

  it('a form post from the link page: 303 to /home; the same token posted again is refused (410)', async () => {
    const email = uniqueEmail('link-form');
    const agent = t.agent();
    const { link } = await begin(agent, email);
    const linkPage = await page(agent, pathOf(link));
    const res = await postForm(agent, '/verify/link', { _csrf: csrfFrom(linkPage.text), token: link.token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/home');
    expect((await me(agent)).body).toMatchObject({ email, factors });

    const home = await page(agent, '/home');
    const again = await postForm(agent, '/verify/link', { _csrf: csrfFrom(home.text), token: link.token });
    expect(again.status).toBe(410);
    expect(again.text).toContain(say(EN, 'error.challenge_expired'));
    // No form re-posts a spent token; the page leads on instead.
    expect(again.text).not.toContain('name="token"');
    expect(again.text).toContain('href="/verify"');
  });

  it('in another browser: the page says so (English, French), posts are 409 other_browser, and nothing is consumed', async () => {
    const email = uniqueEmail('link-elsewhere');
    const first = t.agent();
    const { code, link } = await begin(first, email);
    const other = t.agent();

    const en = await page(other, pathOf(link));
    expect(en.status).toBe(200);
    expect(en.text).toMatch(/<div[^>]*id="other-browser"/);
    expect(en.text).toContain(say(EN, 'link.otherBrowser'));
    expect(en.text).not.toContain('action="/verify/link"');
    expect(en.text).not.toContain(link.token);
    const fr = await page(other, pathOf(link), 'fr');
    expect(fr.text).toContain('<html lang="fr">');
    expect(fr.text).toContain(say(FR, 'link.otherBrowser'));

    const json = await verifyLink(other, link.token);
    expect(json.status).toBe(409);
    expect(json.body).toMatchObject({ error: 'other_browser' });
    const form = await postForm(other, '/verify/link', {
      _csrf: csrfFrom((await page(other, '/auth')).text),
      token: link.token,
    });
    expect(form.status).toBe(409);
    expect(form.text).toContain(say(EN, 'error.other_browser'));
    expect(form.text).toMatch(/<div[^>]*id="other-browser"/);
    expect(form.text).not.toContain('action="/verify/link"');
    // A browser with a sign-in of its own pending is another browser too.
    const third = t.agent();
    await begin(third, uniqueEmail('link-third'));
    expect(summary(await verifyLink(third, link.token))).toBe('409 other_browser');
    expect((await page(third, pathOf(link))).text).toContain('id="other-browser"');
    expect((await me(other)).status).toBe(401);

    // Nothing checked, nothing spent: the first browser's step is as it was, and its code works.
    expect((await status(first)).body).toMatchObject({ status: 'pending', attemptsRemaining: 5 });
    expect(await redis.exists(otpKey('f', email))).toBe(0);
    expect(summary(await verify(first, code))).toBe('200 authenticated');
  });

  it('a wrong token in the right browser counts like a wrong code: 401, one attempt and one failure spent', async () => {
    const email = uniqueEmail('link-wrong');
    const agent = t.agent();
    const { link } = await begin(agent, email);
    expect(summary(await verifyLink(agent, forgedToken(link.token)))).toBe('401 invalid_code left=4');
    expect((await status(agent)).body.attemptsRemaining).toBe(4);
    expect(await redis.get(otpKey('f', email))).toBe('1');
    expect(summary(await verifyLink(agent, link.token))).toBe('200 authenticated');
  });
});

describe('the sign-in link of an account with an authenticator app (email mode)', () => {
  let t: ClockedTestApp;
  beforeAll(async () => {
    t = await createClockedTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('the link completes the emailed step: 200 second_factor_required, then the authenticator signs in', async () => {
    const email = uniqueEmail('link-mfa');
    const agent = t.agent();
    expect(summary(await agent.post('/auth').send({ email }))).toBe('200 code_sent');
    expect(summary(await verify(agent, await t.codeFor(email)))).toBe('200 authenticated');
    const { secret } = await enrolTotp(agent, t.clock.now());
    expect((await agent.post('/logout').send({})).status).toBe(204);
    await sleep(COOLDOWN_MS);
    await t.app.get(MailDispatcher).drain(2000); // the "enabled" notice is out of the way

    const since = Date.now();
    expect(summary(await agent.post('/auth').send({ email }))).toBe('200 code_sent');
    const { link } = answersOf(t, await t.smtp.waitForMail(email, { since }));
    const res = await verifyLink(agent, link.token);
    expect(res.status, summary(res)).toBe(200);
    expect(res.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: ['totp', 'recovery_code'] });
    expect((await me(agent)).status).toBe(401);

    t.clock.nextStep();
    expect(summary(await verify(agent, totpCode(secret, t.clock.now())))).toBe('200 authenticated');
    expect((await me(agent)).body).toMatchObject({ email, factors: ['email_otp', 'totp'] });
  });
});

describe('MAIL_LINK=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', MAIL_LINK: 'false' });
  });
  afterAll(() => t?.close());

  it('the mail has the code and no link', async () => {
    const email = uniqueEmail('no-link');
    const agent = t.agent();
    expect(summary(await agent.post('/auth').send({ email }))).toBe('200 code_sent');
    const mail = await t.mailTo(email);
    expect(linksInText(mail.text, t.config.appUrl)).toEqual([]);
    expect(linksInHtml(mail.html)).toEqual([]);
    expect(`${mail.text}\n${mail.html}`).not.toContain('/verify/link');
    expect(mail.text).not.toContain(EN['mail.code.orLink']);
    expect(summary(await verify(agent, mail.code!))).toBe('200 authenticated');
  });
});

describe('the code mail as the SMTP server receives it', () => {
  const smtp = new HeaderSmtpServer();
  let t: TestApp;
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1', SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  it('Auto-Submitted, one Message-ID kept across a retry and new for each mail, code and link in both parts, no remote images', async () => {
    const email = uniqueEmail('headers');
    smtp.refuseData(email, [451]); // the first transfer is refused for now: the dispatcher tries again
    const agent = t.agent();
    expect(summary(await agent.post('/auth').send({ email }))).toBe('200 code_sent');
    const [refused, delivered] = await smtp.waitForReceived(email, 2);
    expect([refused.accepted, delivered.accepted]).toEqual([false, true]);
    await sleep(COOLDOWN_MS);
    expect(summary(await resend(agent))).toBe('200 code_sent');
    const second = (await smtp.waitForReceived(email, 3))[2];
    expect(second.accepted).toBe(true);

    const host = new URL(t.config.appUrl).hostname;
    const ids = [refused, delivered, second].map((m) => headerValues(m, 'Message-ID'));
    for (const id of ids) {
      expect(id).toHaveLength(1);
      expect(id[0]).toMatch(new RegExp(`^<[^<>@\\s]+@${host.replace(/\./g, '\\.')}>$`));
    }
    expect(ids[1][0], 'the retry of one mail keeps its Message-ID').toBe(ids[0][0]);
    expect(ids[2][0], 'another mail has another Message-ID').not.toBe(ids[1][0]);

    for (const mail of [delivered, second]) {
      expect(headerValues(mail, 'Auto-Submitted')).toEqual(['auto-generated']);
      const code = extractCode(mail.text);
      expect(code).toMatch(/^\d{6}$/);
      expect(mail.html).toMatch(new RegExp(`>\\s*${code}\\s*<`));
      const link = signInLinkOf(mail, t.config.appUrl);
      // Neither the code nor the link's secret shows in the headers.
      const headerText = mail.headers.map(([n, v]) => `${n}: ${v}`).join('\n');
      expect(headerText).not.toContain(code!);
      expect(headerText).not.toContain(link.token.split('.')[1]);
      // No remote images or styles: nothing is fetched when the mail is opened.
      expect(mail.html).not.toMatch(/<img\b[^>]*\bsrc\s*=\s*["']?\s*(https?:)?\/\//i);
      expect(mail.html).not.toMatch(/url\(\s*["']?\s*(https?:)?\/\//i);
      expect(mail.html).not.toMatch(/<link\b[^>]*\bhref\s*=\s*["']?\s*(https?:)?\/\//i);
      expect(mail.html).not.toMatch(/\bbackground\s*=\s*["']?\s*(https?:)?\/\//i);
    }
    expect(extractCode(second.text)).not.toBe(extractCode(delivered.text));
  });

  it('a security notice keeps its Message-ID across a retry too', async () => {
    const email = uniqueEmail('notice-id');
    const first = t.agent();
    expect(summary(await first.post('/auth').send({ email }))).toBe('200 code_sent');
    const [code1] = await smtp.waitForReceived(email, 1);
    expect(summary(await verify(first, extractCode(code1.text)!))).toBe('200 authenticated');
    // Another browser: its sign-in mails a "new sign-in" notice, whose first transfer is refused.
    const other = t.agent();
    await sleep(COOLDOWN_MS);
    expect(summary(await other.post('/auth').send({ email }))).toBe('200 code_sent');
    const code2 = (await smtp.waitForReceived(email, 2))[1];
    smtp.refuseData(email, [451]);
    expect(summary(await verify(other, extractCode(code2.text)!))).toBe('200 authenticated');
    const [refused, delivered] = (await smtp.waitForReceived(email, 4)).slice(2);
    expect([refused.accepted, delivered.accepted]).toEqual([false, true]);
    expect(extractCode(delivered.text)).toBeUndefined();
    const ids = [refused, delivered].map((m) => headerValues(m, 'Message-ID'));
    expect(ids[0]).toHaveLength(1);
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[0][0]).not.toBe(headerValues(code2, 'Message-ID')[0]);
  });

  it('a French reader gets the link sentence in French, in both parts', async () => {
    const email = uniqueEmail('headers-fr');
    const agent = t.agent();
    expect(summary(await agent.post('/auth').set('Accept-Language', 'fr').send({ email }))).toBe('200 code_sent');
    const [mail] = await smtp.waitForReceived(email, 1);
    signInLinkOf(mail, t.config.appUrl);
    expect(mail.text).toContain(FR['mail.code.orLink']);
    expect(mail.text).toContain(FR['mail.code.linkSameBrowser']);
    expect(mail.html).toContain(escapeHtml(FR['mail.code.linkText']));
    expect(headerValues(mail, 'Auto-Submitted')).toEqual(['auto-generated']);
  });
});
