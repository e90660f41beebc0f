import { readFileSync } from 'node:fs';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailDispatcher } from '../src/mail/index.js';
import { RecoveryCodeStore } from '../src/recovery-codes/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import {
  type Agent,
  awayFromStepEdge,
  type ClockedTestApp,
  createClockedTestApp,
  csrfFrom,
  type Enrolment,
  enrolTotp,
  flushMfaKeys,
  HTML_ACCEPT,
  mailMatching,
  me,
  PASSWORD,
  postForm,
  seedAccount,
  sessionIdOf,
  signInWithPasswordAndEmail,
  totpCode,
  wrongTotp,
} from './support/mfa.js';
import { type RedisClient } from '../src/redis/index.js';
import { otpKey, connectTestRedis } from './support/redis.js';

/**
 * Authenticator apps (TOTP) and recovery codes as second factors, end to end as a JSON client
 * against a real Redis and a real SMTP server: enrolment, sign-in on every path (password, emailed
 * code, the email fallback), replay of codes, single use of recovery codes under concurrency, the
 * identifier's lock, the notice mails in both languages, assurance levels, the security page and
 * strict input on the new routes. The app's clock is a {@link TestClock} the tests move, so the
 * current authenticator code is known without waiting (the security page runs on the system clock).
 */

const STEP = 30_000;
const TOTP_FACTORS = ['totp', 'recovery_code'];
const RECOVERY_CODE = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `status error/status left=n` of an answer: what a client can see of it, without times. */
function summary(res: Response): string {
  const b = res.body as { error?: string; status?: string; attemptsRemaining?: number };
  const parts = [String(res.status), b.error ?? b.status ?? '-'];
  if (b.attemptsRemaining !== undefined) parts.push(`left=${b.attemptsRemaining}`);
  if (res.headers['retry-after'] !== undefined) parts.push('retry-after');
  return parts.join(' ');
}

/** A code of the same length that is certainly not `code`. */
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** `abcde-fghjk` as someone might type it from paper: upper case, a space instead of the dash. */
const typedLoosely = (code: string) => ` ${code.replace('-', ' ').toUpperCase()} `;

/** An account with an authenticator (enrolled at the clock's current step), signed out. */
interface TotpAccount extends Enrolment {
  email: string;
}

async function totpAccount(t: ClockedTestApp, tag: string, locale?: string): Promise<TotpAccount> {
  const email = uniqueEmail(tag);
  await seedAccount(t, email);
  const agent = t.agent();
  await signInWithPasswordAndEmail(t, agent, email);
  const enrolment = await enrolTotp(agent, t.clock.now(), locale);
  expect((await agent.post('/logout').send({})).status).toBe(204);
  return { email, ...enrolment };
}

/** Password mode: the password of a TOTP account; the answer asks for the second factor. */
async function passwordStep(t: TestApp, email: string, agent: Agent = t.agent()): Promise<Agent> {
  const res = await agent.post('/auth').send({ email, password: PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: TOTP_FACTORS });
  return agent;
}

describe('password mode with an authenticator app', () => {
  let t: ClockedTestApp;
  beforeAll(async () => {
    t = await createClockedTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('enrols (secret, otpauth URL, QR, 10 recovery codes; the session counts totp), then signs in with password + TOTP and no mail', async () => {
    const email = uniqueEmail('enrol');
    await seedAccount(t, email);
    const agent = t.agent();
    const signedIn = await signInWithPasswordAndEmail(t, agent, email);
    expect((await me(agent)).body.factors).toEqual(['pwd', 'email_otp']);

    const setup = await agent.post('/account/totp/setup').send({});
    expect(setup.status).toBe(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    expect(setup.body).toEqual({
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauthUrl: expect.stringMatching(/^otpauth:\/\/totp\//),
      qrSvg: expect.stringMatching(/^<svg[\s>]/),
    });
    const url = new URL(setup.body.otpauthUrl as string);
    expect(url.searchParams.get('secret')).toBe(setup.body.secret);
    expect(url.searchParams.get('algorithm')).toBe('SHA1');
    expect(url.searchParams.get('digits')).toBe('6');
    expect(url.searchParams.get('period')).toBe('30');
    expect(decodeURIComponent(url.pathname)).toContain(email);
    const secret = setup.body.secret as string;

    const confirm = await agent.post('/account/totp/confirm').send({ code: totpCode(secret, t.clock.now()) });
    expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
    expect(confirm.headers['cache-control']).toBe('no-store');
    expect(confirm.body).toEqual({ status: 'enabled', recoveryCodes: expect.any(Array) });
    const codes = confirm.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(codes).size).toBe(10);
    // The session now counts the authenticator, under a new id.
    expect(sessionIdOf(confirm)).not.toBe(sessionIdOf(signedIn));
    const after = await me(agent);
    expect(after.body).toMatchObject({ email, aal: 2, factors: ['pwd', 'email_otp', 'totp'] });
    const enabled = await mailMatching(t, email, /authenticator app was added/i);
    expect(enabled.text).toContain(email);
    expect(enabled.code).toBeUndefined();

    expect((await agent.post('/logout').send({})).status).toBe(204);
    await t.app.get(MailDispatcher).drain(2000);
    const mailsBefore = t.smtp.mailsTo(email).length;

    await passwordStep(t, email, agent);
    expect((await me(agent)).status).toBe(401);
    const status = await agent.get('/verify/status').set('Accept', 'application/json');
    expect(status.body).toMatchObject({ status: 'pending', step: 'second_factor', factors: TOTP_FACTORS });
    // The code that confirmed the enrolment is spent.
    const replay = await agent.post('/verify').send({ code: totpCode(secret, t.clock.now()) });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ error: 'invalid_code', message: expect.any(String), attemptsRemaining: 4 });

    t.clock.nextStep();
    const current = totpCode(secret, t.clock.now());
    // Typed with a space, as apps show it.
    const verify = await agent.post('/verify').send({ code: `${current.slice(0, 3)} ${current.slice(3)}` });
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    const who = await me(agent);
    expect(who.status).toBe(200);
    expect(who.body).toEqual({
      email,
      aal: 2,
      amr: ['pwd', 'otp', 'mfa'],
      factors: ['pwd', 'totp'],
      authTime: new Date(t.clock.now()).toISOString(),
    });

    // No sign-in code was mailed to the account with an authenticator.
    await t.app.get(MailDispatcher).drain(2000);
    expect(
      t.smtp
        .mailsTo(email)
        .slice(mailsBefore)
        .map((m) => m.subject),
    ).toEqual([]);
  });

  it('a code is accepted once: the same code again, an earlier step and a code from two steps ago are refused', async () => {
    const { email, secret } = await totpAccount(t, 'replay');
    const enrolled = t.clock.now();
    const at = (steps: number) => totpCode(secret, enrolled + steps * STEP);
    t.clock.advance(3 * STEP); // now at the enrolment step + 3

    const first = await passwordStep(t, email);
    const twoAgo = await first.post('/verify').send({ code: at(1) });
    expect(summary(twoAgo)).toBe('401 invalid_code left=4');
    // One step of drift is allowed.
    expect(summary(await first.post('/verify').send({ code: at(2) }))).toBe('200 authenticated');

    const second = await passwordStep(t, email);
    expect(summary(await second.post('/verify').send({ code: at(2) }))).toBe('401 invalid_code left=4');
    expect(summary(await second.post('/verify').send({ code: at(3) }))).toBe('200 authenticated');

    const third = await passwordStep(t, email);
    expect(summary(await third.post('/verify').send({ code: at(3) }))).toBe('401 invalid_code left=4');
    expect(summary(await third.post('/verify').send({ code: at(2) }))).toBe('401 invalid_code left=3');
    // One step ahead (a phone's clock running fast) is accepted, and spends its step.
    expect(summary(await third.post('/verify').send({ code: at(4) }))).toBe('200 authenticated');

    const fourth = await passwordStep(t, email);
    expect(summary(await fourth.post('/verify').send({ code: at(4) }))).toBe('401 invalid_code left=4');
    expect(summary(await fourth.post('/verify').send({ code: at(3) }))).toBe('401 invalid_code left=3');
    expect((await me(fourth)).status).toBe(401);
  });

  it('the authenticator step takes OTP_MAX_ATTEMPTS wrong answers (5), then is gone: even the right code is 410', async () => {
    const { email, secret } = await totpAccount(t, 'attempts');
    t.clock.nextStep();
    const agent = await passwordStep(t, email);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const wrong = i % 2 ? { recoveryCode: 'abcde-fghjk' } : { code: wrongTotp(secret, t.clock.now()) };
      answers.push(summary(await agent.post('/verify').send(wrong)));
    }
    expect(answers).toEqual([4, 3, 2, 1, 0].map((n) => `401 invalid_code left=${n}`));
    const late = await agent.post('/verify').send({ code: totpCode(secret, t.clock.now()) });
    expect(late.status).toBe(410);
    expect(late.body.error).toBe('challenge_expired');
    expect((await me(agent)).status).toBe(401);
    // A new sign-in starts a new step, and the code was not spent.
    const again = await passwordStep(t, email);
    expect(summary(await again.post('/verify').send({ code: totpCode(secret, t.clock.now()) }))).toBe(
      '200 authenticated',
    );
  });

  it('a recovery code (any case, spaces for the dash) signs in once; the owner is mailed how many are left', async () => {
    const { email, recoveryCodes } = await totpAccount(t, 'recovery');
    const agent = await passwordStep(t, email);
    const used = await agent.post('/verify').send({ recoveryCode: typedLoosely(recoveryCodes[3]) });
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    expect(used.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(agent)).body).toMatchObject({
      email,
      aal: 2,
      amr: ['pwd', 'otp', 'mfa'],
      factors: ['pwd', 'recovery_code'],
    });
    const notice = await mailMatching(t, email, /recovery code was used/i);
    expect(notice.text).toContain('9 codes are left');
    expect(notice.text).not.toContain(recoveryCodes[3]);

    // Never twice, however it is written.
    const again = await passwordStep(t, email);
    const refused = await again.post('/verify').send({ recoveryCode: recoveryCodes[3] });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'invalid_code', message: expect.any(String), attemptsRemaining: 4 });
    expect((await me(again)).status).toBe(401);
    // Another code of the set still works, and the dash form is accepted as shown.
    expect(summary(await again.post('/verify').send({ recoveryCode: recoveryCodes[4] }))).toBe('200 authenticated');
    expect(await t.app.get(RecoveryCodeStore).count(email)).toBe(8);
  });

  it('20 parallel uses of one recovery code: exactly one signs in', async () => {
    const { email, recoveryCodes } = await totpAccount(t, 'parallel');
    const agents = await Promise.all(Array.from({ length: 20 }, () => passwordStep(t, email)));
    const answers = await Promise.all(agents.map((a) => a.post('/verify').send({ recoveryCode: recoveryCodes[0] })));
    const ok = answers.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0].body).toEqual({ status: 'authenticated', next: '/home' });
    // The others are wrong answers (and count toward the identifier's lock, which the 10th sets).
    for (const r of answers.filter((x) => x.status !== 200)) {
      expect([401, 429]).toContain(r.status);
      expect(r.body.error).toBe(r.status === 401 ? 'invalid_code' : 'locked');
    }
    const signedIn = await Promise.all(agents.map((a) => me(a)));
    expect(signedIn.filter((r) => r.status === 200)).toHaveLength(1);
    // 19 wrong recovery codes: past the 10th, the identifier is locked, password included.
    const locked = await t.agent().post('/auth').send({ email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('locked');
    expect(await t.app.get(RecoveryCodeStore).count(email)).toBe(9);
    await t.app.get(MailDispatcher).drain(2000);
    expect(t.smtp.mailsTo(email).filter((m) => /recovery code was used/i.test(m.subject))).toHaveLength(1);
  });

  it('new recovery codes void the old set (and the owner is mailed)', async () => {
    const { email, secret, recoveryCodes: old } = await totpAccount(t, 'regen');
    t.clock.nextStep();
    const agent = await passwordStep(t, email);
    expect(summary(await agent.post('/verify').send({ code: totpCode(secret, t.clock.now()) }))).toBe(
      '200 authenticated',
    );

    const res = await agent.post('/account/recovery-codes').send({});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ recoveryCodes: expect.any(Array) });
    const fresh = res.body.recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    for (const code of fresh) expect(code).toMatch(RECOVERY_CODE);
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);
    const notice = await mailMatching(t, email, /new recovery codes/i);
    expect(notice.text).toContain('The previous ones no longer work');

    const withOld = await passwordStep(t, email);
    expect(summary(await withOld.post('/verify').send({ recoveryCode: old[0] }))).toBe('401 invalid_code left=4');
    expect(summary(await withOld.post('/verify').send({ recoveryCode: fresh[0] }))).toBe('200 authenticated');
  });

  it('the notice mails in English: enabled, recovery code used (with the count), new codes, removed', async () => {
    const { email, recoveryCodes } = await totpAccount(t, 'notices-en');
    const enabled = await mailMatching(t, email, /authenticator/i);
    expect(enabled.subject).toBe('An authenticator app was added to your Sign-in account');
    expect(enabled.text).toContain(`An authenticator app now protects ${email}`);

    const agent = await passwordStep(t, email);
    expect(summary(await agent.post('/verify').send({ recoveryCode: recoveryCodes[0] }))).toBe('200 authenticated');
    const used = await mailMatching(t, email, /recovery code was used/i);
    expect(used.subject).toBe('A recovery code was used on your Sign-in account');
    expect(used.text).toContain('9 codes are left.');

    expect((await agent.post('/account/recovery-codes').send({})).status).toBe(200);
    const created = await mailMatching(t, email, /new recovery codes/i);
    expect(created.subject).toBe('New recovery codes for your Sign-in account');

    const removed = await agent.post('/account/totp/disable').send({});
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    const notice = await mailMatching(t, email, /removed/i);
    expect(notice.subject).toBe('The authenticator app was removed from your Sign-in account');
    expect(notice.text).toContain('its recovery codes with it');
    // Without the authenticator, signing in is back to the emailed code.
    await sleep(1100); // OTP_RESEND_SECONDS=1 since the enrolment's sign-in code
    const start = await t.agent().post('/auth').send({ email, password: PASSWORD });
    expect(start.body.status).toBe('code_sent');
  });

  it('the notice mails in French with Accept-Language: fr', async () => {
    const { email, recoveryCodes } = await totpAccount(t, 'notices-fr', 'fr');
    const enabled = await mailMatching(t, email, /authenti/i);
    expect(enabled.subject).toBe('Une application d’authentification a été ajoutée à votre compte Sign-in');

    const agent = t.agent();
    const start = await agent.post('/auth').set('Accept-Language', 'fr').send({ email, password: PASSWORD });
    expect(start.body.status).toBe('second_factor_required');
    const verify = await agent
      .post('/verify')
      .set('Accept-Language', 'fr-CA,fr;q=0.9')
      .send({ recoveryCode: recoveryCodes[0] });
    expect(summary(verify)).toBe('200 authenticated');
    const used = await mailMatching(t, email, /recovery code was used|code de secours a été utilisé/i);
    // Soft: the other notices below are checked even when this one is in the wrong language.
    expect.soft(used.subject).toBe('Un code de secours a été utilisé sur votre compte Sign-in');
    expect.soft(used.text).toContain('Il en reste 9.');

    expect((await agent.post('/account/recovery-codes').set('Accept-Language', 'fr').send({})).status).toBe(200);
    const created = await mailMatching(t, email, /Nouveaux codes de secours|New recovery codes/);
    expect(created.subject).toBe('Nouveaux codes de secours pour votre compte Sign-in');

    expect((await agent.post('/account/totp/disable').set('Accept-Language', 'fr').send({})).status).toBe(204);
    const removed = await mailMatching(t, email, /retirée|removed/);
    expect(removed.subject).toBe('L’application d’authentification a été retirée de votre compte Sign-in');
  });

  it('an account without an authenticator signs in exactly as before', async () => {
    const email = uniqueEmail('plain');
    await seedAccount(t, email);
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email, password: PASSWORD });
    expect(start.status).toBe(200);
    expect(start.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });
    const mail = await t.mailTo(email);
    expect(mail.subject).toMatch(/sign-in code/i);
    expect((await me(agent)).status).toBe(401);
    const verify = await agent.post('/verify').send({ code: mail.code });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(agent)).body).toEqual({
      email,
      aal: 2,
      amr: ['pwd', 'otp', 'mfa'],
      factors: ['pwd', 'email_otp'],
      authTime: expect.any(String),
    });
    // No recovery codes without an authenticator.
    const regen = await agent.post('/account/recovery-codes').send({});
    expect(regen.status).toBe(409);
    expect(regen.body).toEqual({ error: 'no_authenticator', message: expect.any(String) });
  });

  it('without MFA_EMAIL_FALLBACK, the second-factor step sends no code: resend is 409 and no mail goes out', async () => {
    const { email } = await totpAccount(t, 'no-fallback');
    await t.app.get(MailDispatcher).drain(2000);
    const mails = t.smtp.mailsTo(email).length;
    const agent = await passwordStep(t, email);
    const resend = await agent.post('/verify/resend').send({});
    expect(resend.status).toBe(409);
    expect(resend.body).toEqual({ error: 'nothing_to_resend', message: expect.any(String) });
    await t.app.get(MailDispatcher).drain(2000);
    expect(t.smtp.mailsTo(email)).toHaveLength(mails);
  });

  it('POST /account/totp/confirm with a wrong code is 401 invalid_code; the pending secret still works afterwards', async () => {
    const email = uniqueEmail('confirm');
    await seedAccount(t, email);
    const agent = t.agent();
    await signInWithPasswordAndEmail(t, agent, email);
    // Nothing to confirm before a setup.
    const early = await agent.post('/account/totp/confirm').send({ code: '123456' });
    expect(early.status).toBe(410);
    expect(early.body.error).toBe('challenge_expired');

    const setup = await agent.post('/account/totp/setup').send({});
    const secret = setup.body.secret as string;
    const wrong = await agent.post('/account/totp/confirm').send({ code: wrongTotp(secret, t.clock.now()) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'invalid_code', message: expect.any(String) });
    expect((await me(agent)).body.factors).toEqual(['pwd', 'email_otp']);
    // Still no authenticator: a sign-in elsewhere gets an emailed code.
    await sleep(1100); // OTP_RESEND_SECONDS=1
    expect((await t.agent().post('/auth').send({ email, password: PASSWORD })).body.status).toBe('code_sent');

    const right = await agent.post('/account/totp/confirm').send({ code: totpCode(secret, t.clock.now()) });
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    expect(right.body.status).toBe('enabled');
    expect((await me(agent)).body.factors).toEqual(['pwd', 'email_otp', 'totp']);
  });

  it('bad input on the new routes (null, numbers, unknown fields, both answers) is 400 and counts nothing', async () => {
    const { email, secret } = await totpAccount(t, 'bad-input');
    const agent = await passwordStep(t, email);
    const attempts = async () =>
      (await agent.get('/verify/status').set('Accept', 'application/json')).body.attemptsRemaining as number;
    expect(await attempts()).toBe(5);
    const badVerify: unknown[] = [
      {},
      { code: null },
      { code: 123456 },
      { code: '12345' },
      { code: '1234567' },
      { recoveryCode: null },
      { recoveryCode: 1234567890 },
      { recoveryCode: 'not-a-code' },
      { recoveryCode: 'x'.repeat(65) },
      { code: totpCode(secret, t.clock.now()), recoveryCode: 'abcde-fghjk' },
      { code: '123456', extra: 'x' },
      { recoveryCode: 'abcde-fghjk', constructor: 1 },
    ];
    for (const body of badVerify) {
      const res = await agent.post('/verify').send(body as object);
      expect(res.status, `POST /verify ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toBe('validation_failed');
    }
    expect(await attempts()).toBe(5);

    // Signed in, for the account routes.
    t.clock.nextStep();
    expect(summary(await agent.post('/verify').send({ code: totpCode(secret, t.clock.now()) }))).toBe(
      '200 authenticated',
    );
    const badRoutes: [string, unknown][] = [
      ['/account/totp/setup', { extra: 1 }],
      ['/account/totp/setup', { secret: 'JBSWY3DPEHPK3PXP' }],
      ['/account/totp/confirm', {}],
      ['/account/totp/confirm', { code: null }],
      ['/account/totp/confirm', { code: 123456 }],
      ['/account/totp/confirm', { code: '12345' }],
      ['/account/totp/confirm', { code: ['123456'] }],
      ['/account/totp/confirm', { code: '123456', extra: 1 }],
      ['/account/totp/disable', { extra: 1 }],
      ['/account/totp/disable', { code: null }],
      ['/account/recovery-codes', { extra: 1 }],
      ['/account/recovery-codes', { count: 20 }],
      ['/step-up', { extra: 1 }],
      ['/step-up', { factor: 'totp' }],
    ];
    for (const [route, body] of badRoutes) {
      const res = await agent.post(route).send(body as object);
      expect(res.status, `POST ${route} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error, `POST ${route} ${JSON.stringify(body)}`).toBe('validation_failed');
    }
    for (const route of ['/account/totp/setup', '/account/totp/confirm', '/account/recovery-codes']) {
      const res = await agent.post(route).set('Content-Type', 'application/json').send('null');
      expect(res.status, `POST ${route} null`).toBe(400);
    }
    // Nothing changed: the authenticator is still on, the codes are the same ten.
    expect(await t.app.get(RecoveryCodeStore).count(email)).toBe(10);
    expect((await me(agent)).body.factors).toEqual(['pwd', 'totp']);
  });
});

describe('password mode, MFA_EMAIL_FALLBACK=true', () => {
  let t: ClockedTestApp;
  beforeAll(async () => {
    t = await createClockedTestApp({
      AUTH_FIRST_FACTOR: 'password',
      OTP_RESEND_SECONDS: '1',
      MFA_EMAIL_FALLBACK: 'true',
    });
  });
  afterAll(() => t?.close());

  it('offers email_otp beside the authenticator; resend switches to an emailed code that signs in', async () => {
    const { email, secret } = await totpAccount(t, 'fallback');
    await sleep(1100); // the enrolment's sign-in code started the cooldown
    await t.app.get(MailDispatcher).drain(2000);
    const mails = t.smtp.mailsTo(email).length;

    const agent = t.agent();
    const start = await agent.post('/auth').send({ email, password: PASSWORD });
    expect(start.status).toBe(200);
    expect(start.body).toEqual({
      status: 'second_factor_required',
      next: '/verify',
      factors: ['totp', 'recovery_code', 'email_otp'],
    });
    // The code is sent only when asked for.
    await t.app.get(MailDispatcher).drain(2000);
    expect(t.smtp.mailsTo(email)).toHaveLength(mails);

    const since = Date.now();
    const resend = await agent.post('/verify/resend').send({});
    expect(resend.status, JSON.stringify(resend.body)).toBe(200);
    expect(resend.body).toMatchObject({ status: 'code_sent', resendAfter: 1 });
    const mail = await t.smtp.waitForMail(email, { since });
    expect(mail.subject).toMatch(/sign-in code/i);
    const status = await agent.get('/verify/status').set('Accept', 'application/json');
    expect(status.body).toMatchObject({ status: 'pending', step: 'email_otp' });
    // The authenticator is no longer what this step asks for.
    t.clock.nextStep();
    const totp = await agent.post('/verify').send({ code: totpCode(secret, t.clock.now()) });
    expect(totp.status).toBe(401);

    const verify = await agent.post('/verify').send({ code: mail.code });
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(agent)).body).toMatchObject({ email, aal: 2, factors: ['pwd', 'email_otp'] });
  });
});

describe('email mode with an authenticator app', () => {
  let t: ClockedTestApp;
  beforeAll(async () => {
    t = await createClockedTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  it('the emailed code, then the authenticator: not signed in between, a new session id at each step', async () => {
    const email = uniqueEmail('email-mode');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).body.status).toBe('code_sent');
    expect(summary(await agent.post('/verify').send({ code: await t.codeFor(email) }))).toBe('200 authenticated');
    expect((await me(agent)).body).toMatchObject({ email, aal: 1, factors: ['email_otp'] });
    const { secret } = await enrolTotp(agent, t.clock.now());
    expect((await me(agent)).body).toMatchObject({ aal: 2, factors: ['email_otp', 'totp'] });
    expect((await agent.post('/logout').send({})).status).toBe(204);

    await sleep(1100); // OTP_RESEND_SECONDS=1
    await t.app.get(MailDispatcher).drain(2000); // the "enabled" notice is out of the way
    const since = Date.now();
    const start = await agent.post('/auth').send({ email });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ status: 'code_sent', next: '/verify' });
    const afterStart = sessionIdOf(start);
    const mail = await t.smtp.waitForMail(email, { since });
    const code = await agent.post('/verify').send({ code: mail.code });
    expect(code.status, JSON.stringify(code.body)).toBe(200);
    expect(code.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: TOTP_FACTORS });
    expect(sessionIdOf(code)).not.toBe(afterStart);
    expect((await me(agent)).status).toBe(401);
    expect((await agent.get('/home')).headers.location).toBe('/verify');

    t.clock.nextStep();
    const totp = await agent.post('/verify').send({ code: totpCode(secret, t.clock.now()) });
    expect(totp.status, JSON.stringify(totp.body)).toBe(200);
    expect(totp.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(sessionIdOf(totp)).not.toBe(sessionIdOf(code));
    expect((await me(agent)).body).toEqual({
      email,
      aal: 2,
      amr: ['otp', 'mfa'],
      factors: ['email_otp', 'totp'],
      authTime: new Date(t.clock.now()).toISOString(),
    });
  });
  it('pages in French, without JavaScript: the code form, the authenticator form, the security page, the step-up page', async () => {
    const FR = JSON.parse(readFileSync(new URL('../views/locales/fr.json', import.meta.url), 'utf8')) as Record<
      string,
      string
    >;
    const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const fr = <T extends { set(name: string, value: string): T }>(req: T) =>
      req.set('Accept-Language', 'fr').set('Accept', HTML_ACCEPT);
    const email = uniqueEmail('email-mode-pages');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).body.status).toBe('code_sent');
    expect(summary(await agent.post('/verify').send({ code: await t.codeFor(email) }))).toBe('200 authenticated');
    const { secret } = await enrolTotp(agent, t.clock.now(), 'fr');
    expect((await agent.post('/logout').send({})).status).toBe(204);
    await sleep(1100); // OTP_RESEND_SECONDS=1
    await t.app.get(MailDispatcher).drain(2000);

    const authPage = await fr(agent.get('/auth'));
    const since = Date.now();
    const start = await fr(postForm(agent, '/auth', { email, _csrf: csrfFrom(authPage.text) }));
    expect({ status: start.status, location: start.headers.location }).toEqual({ status: 303, location: '/verify' });
    const mail = await t.smtp.waitForMail(email, { since });
    const codePage = await fr(agent.get('/verify'));
    expect(codePage.text).toContain('<html lang="fr">');
    const code = await fr(postForm(agent, '/verify', { code: mail.code!, _csrf: csrfFrom(codePage.text) }));
    expect({ status: code.status, location: code.headers.location }).toEqual({ status: 303, location: '/verify' });
    expect((await me(agent)).status).toBe(401);

    const totpPage = await fr(agent.get('/verify'));
    expect(totpPage.status).toBe(200);
    expect(totpPage.text).toContain('<html lang="fr">');
    expect(totpPage.text).toContain(html(FR['verify.totpIntro']));
    expect(totpPage.text).toContain('name="recoveryCode"');
    t.clock.nextStep();
    const done = await fr(
      postForm(agent, '/verify', { code: totpCode(secret, t.clock.now()), _csrf: csrfFrom(totpPage.text) }),
    );
    expect({ status: done.status, location: done.headers.location }).toEqual({ status: 303, location: '/home' });
    expect((await me(agent)).body).toMatchObject({ email, aal: 2, factors: ['email_otp', 'totp'] });

    const security = await fr(agent.get('/account/security'));
    expect(security.status).toBe(200);
    expect(security.text).toContain('<html lang="fr">');
    expect(security.text).toContain(html(FR['security.title']));
    t.clock.advance(5 * 60_000 + 1);
    const disable = await fr(postForm(agent, '/account/totp/disable', { _csrf: csrfFrom(security.text) }));
    expect({ status: disable.status, location: disable.headers.location }).toEqual({
      status: 303,
      location: '/step-up',
    });
    const stepUp = await fr(agent.get('/step-up'));
    expect(stepUp.status).toBe(200);
    expect(stepUp.text).toContain('<html lang="fr">');
    expect(stepUp.text).toContain(html(FR['stepUp.title']));
    expect((await me(agent)).body.factors).toContain('totp');
  });
});

describe('the identifier lock counts wrong second factors like wrong emailed codes (OTP_MAX_ATTEMPTS=3)', () => {
  let t: ClockedTestApp;
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await connectTestRedis();
    t = await createClockedTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1', OTP_MAX_ATTEMPTS: '3' });
  });
  afterAll(async () => {
    redis?.destroy();
    await t?.close();
  });

  /**
   * Ten wrong answers over fresh sign-ins (3 per challenge). `round` runs before each sign-in and
   * `started` after it (to read the mailed code). Returns what each answer said, and the last agent
   * (its step still pending).
   */
  async function tenFailures(
    email: string,
    wrong: () => string,
    hooks: { round?: () => Promise<void>; started?: () => Promise<void> } = {},
  ): Promise<{ log: string[]; agent: Agent }> {
    const log: string[] = [];
    let agent = t.agent();
    for (let failures = 0; failures < 10;) {
      await hooks.round?.();
      agent = t.agent();
      const start = await agent.post('/auth').send({ email, password: PASSWORD });
      log.push(start.status === 200 ? '200 first factor passed' : summary(start));
      await hooks.started?.();
      for (let i = 0; i < 3 && failures < 10; i++, failures++) {
        log.push(summary(await agent.post('/verify').send({ code: wrong() })));
      }
    }
    return { log, agent };
  }

  const EXPECTED = [
    ...Array.from({ length: 3 }, () => [
      '200 first factor passed',
      ...['2', '1', '0'].map((n) => `401 invalid_code left=${n}`),
    ]).flat(),
    '200 first factor passed',
    '401 invalid_code left=2',
  ];

  it('ten wrong TOTP codes lock exactly as ten wrong emailed codes; a right code and the password are then refused', async () => {
    // Emailed codes, an account without an authenticator.
    const plain = uniqueEmail('lock-email');
    await seedAccount(t, plain);
    let lastCode = '';
    const emailRun = await tenFailures(plain, () => otherCode(lastCode), {
      round: () => sleep(1100), // OTP_RESEND_SECONDS=1
      started: async () => {
        lastCode = await t.codeFor(plain);
      },
    });
    expect(emailRun.log).toEqual(EXPECTED);
    const emailLocked = await emailRun.agent.post('/verify').send({ code: lastCode });
    const emailPassword = await t.agent().post('/auth').send({ email: plain, password: PASSWORD });

    // The authenticator.
    const account = await totpAccount(t, 'lock-totp');
    const totpRun = await tenFailures(account.email, () => wrongTotp(account.secret, t.clock.now()));
    expect(totpRun.log).toEqual(EXPECTED);
    t.clock.nextStep();
    const right = totpCode(account.secret, t.clock.now());
    const totpLocked = await totpRun.agent.post('/verify').send({ code: right });
    const recoveryLocked = await totpRun.agent.post('/verify').send({ recoveryCode: account.recoveryCodes[0] });
    const totpPassword = await t.agent().post('/auth').send({ email: account.email, password: PASSWORD });

    for (const res of [emailLocked, emailPassword, totpLocked, recoveryLocked, totpPassword]) {
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ error: 'locked', retryAfter: expect.any(Number) });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(summary(totpLocked)).toBe(summary(emailLocked));
    expect((await me(totpRun.agent)).status).toBe(401);

    // The refused right answers spent nothing: once the lock is lifted, they still work.
    await redis.del([otpKey('l', account.email), otpKey('f', account.email)]);
    expect(summary(await totpRun.agent.post('/verify').send({ code: right }))).toBe('200 authenticated');
    expect(await t.app.get(RecoveryCodeStore).count(account.email)).toBe(10);
  });
});

describe('AAL2_FACTORS=totp,recovery_code', () => {
  let t: ClockedTestApp;
  beforeAll(async () => {
    t = await createClockedTestApp({ AUTH_FIRST_FACTOR: 'password', AAL2_FACTORS: 'totp,recovery_code' });
  });
  afterAll(() => t?.close());

  it('password + emailed code is aal 1; password + TOTP and password + recovery code are aal 2', async () => {
    const email = uniqueEmail('aal');
    await seedAccount(t, email);
    const agent = t.agent();
    await signInWithPasswordAndEmail(t, agent, email);
    expect((await me(agent)).body).toMatchObject({
      email,
      aal: 1,
      amr: ['pwd', 'otp', 'mfa'],
      factors: ['pwd', 'email_otp'],
    });
    const { secret, recoveryCodes } = await enrolTotp(agent, t.clock.now());
    expect((await me(agent)).body).toMatchObject({ aal: 2, factors: ['pwd', 'email_otp', 'totp'] });
    expect((await agent.post('/logout').send({})).status).toBe(204);

    t.clock.nextStep();
    const withTotp = await passwordStep(t, email);
    expect(summary(await withTotp.post('/verify').send({ code: totpCode(secret, t.clock.now()) }))).toBe(
      '200 authenticated',
    );
    expect((await me(withTotp)).body).toMatchObject({ aal: 2, factors: ['pwd', 'totp'] });

    const withRecovery = await passwordStep(t, email);
    expect(summary(await withRecovery.post('/verify').send({ recoveryCode: recoveryCodes[0] }))).toBe(
      '200 authenticated',
    );
    expect((await me(withRecovery)).body).toMatchObject({ aal: 2, factors: ['pwd', 'recovery_code'] });
  });
});

describe('the security page (the app as main.ts builds it, system clock)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password' });
  });
  afterAll(async () => {
    await t?.close();
    await flushMfaKeys();
  });

  it('shows the QR code as a data: SVG image and the secret as text; confirming shows the 10 recovery codes', async () => {
    const email = uniqueEmail('page');
    await seedAccount(t, email);
    const agent = t.agent();
    await signInWithPasswordAndEmail(t, agent, email);

    const page = await agent.get('/account/security');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('action="/account/totp/setup"');
    expect(page.text).not.toContain('id="totp-secret"');

    const setup = await postForm(agent, '/account/totp/setup', { _csrf: csrfFrom(page.text) });
    expect(setup.status).toBe(200);
    expect(setup.type).toBe('text/html');
    expect(setup.headers['cache-control']).toBe('no-store');
    // The CSP allows images from the app and data: URLs only: no remote QR service.
    const csp = setup.headers['content-security-policy'];
    expect(csp).toMatch(/img-src 'self' data:(;|$)/);
    const imgs = [...setup.text.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
    expect(imgs).toHaveLength(1);
    const src = /\ssrc="([^"]+)"/.exec(imgs[0])?.[1] ?? '';
    expect(src).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(imgs[0]).toMatch(/\salt="[^"]+"/);
    const svg = Buffer.from(src.slice(src.indexOf(',') + 1), 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg[\s>]/);
    expect(svg).not.toMatch(/<script|href=/i);
    const secret = /<code id="totp-secret"[^>]*>([A-Z2-7]{32})<\/code>/.exec(setup.text)?.[1];
    expect(secret).toBeDefined();

    // A wrong code: 401 and the confirmation form again.
    const wrong = await postForm(agent, '/account/totp/confirm', {
      _csrf: csrfFrom(setup.text),
      code: wrongTotp(secret!, Date.now()),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.type).toBe('text/html');
    expect(wrong.text).toContain('action="/account/totp/confirm"');
    expect(wrong.text).toContain('id="form-error"');

    await awayFromStepEdge();
    const confirm = await postForm(agent, '/account/totp/confirm', {
      _csrf: csrfFrom(wrong.text),
      code: totpCode(secret!, Date.now()),
    });
    expect(confirm.status).toBe(200);
    expect(confirm.headers['cache-control']).toBe('no-store');
    const list = /<ol class="codes" id="recovery-codes">([\s\S]*?)<\/ol>/.exec(confirm.text)?.[1] ?? '';
    const codes = [...list.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE);

    const after = await agent.get('/account/security');
    expect(after.text).toContain('10 recovery codes left.');
    expect(after.text).toContain('action="/account/totp/disable"');
    expect(after.text).not.toContain('id="recovery-codes"');
    expect((await me(agent)).body.factors).toEqual(['pwd', 'email_otp', 'totp']);
  });

  it('signed out, the page sends the browser to sign in', async () => {
    const res = await t.agent().get('/account/security');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth');
  });
});
