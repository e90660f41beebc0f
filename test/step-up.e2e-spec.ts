import { Controller, Get, UseGuards } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthGuard, CurrentUser, FreshAuth, RequireAal, type SessionUser } from '../src/auth/index.js';
import { MailDispatcher } from '../src/mail/index.js';
import { uniqueEmail } from './support/app.js';
import {
  type Agent,
  type ClockedTestApp,
  createClockedTestApp,
  csrfFrom,
  enrolTotp,
  HTML_ACCEPT,
  JSON_TYPE,
  mailMatching,
  me,
  PASSWORD,
  postForm,
  seedAccount,
  sessionIdOf,
  signInWithPasswordAndEmail,
  totpCode,
} from './support/mfa.js';
import { sessionCookie } from './support/session.js';

/**
 * Step-up: routes marked `@FreshAuth(s)` or `@RequireAal(n)` refuse an old or weak sign-in with
 * 401 `step_up_required` (pages: a 303 to `/step-up`), and `POST /step-up` + `POST /verify` renew
 * the sign-in with the account's authenticator, or an emailed code without one, under a new
 * session id. Time is a {@link TestClock}: a sign-in gets old without waiting. Besides the app's
 * own routes, a host app's controller (below) uses the guard and the decorators from outside.
 */

const TOTP_FACTORS = ['totp', 'recovery_code'];
const FIVE_MINUTES = 300_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A host app's own routes behind the guard, with the decorators a host app would use. */
@Controller('probe')
@UseGuards(AuthGuard)
class ProbeController {
  /** Needs two factors that count toward AAL2. */
  @Get('aal2')
  @RequireAal(2)
  aal2(@CurrentUser() user: SessionUser) {
    return { aal: user.aal, factors: user.factors };
  }

  /** A page that needs a sign-in of the last minute. */
  @Get('fresh')
  @FreshAuth(60)
  fresh(@CurrentUser() user: SessionUser) {
    return { authTime: user.authTime };
  }
}

/** `POST /verify` with the authenticator's code at the clock's current step (moved to a fresh step first). */
async function verifyTotp(t: ClockedTestApp, agent: Agent, secret: string) {
  t.clock.nextStep();
  return agent.post('/verify').send({ code: totpCode(secret, t.clock.now()) });
}

describe('step-up, password mode', () => {
  let t: ClockedTestApp;
  beforeAll(async () => {
    t = await createClockedTestApp(
      { AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' },
      { controllers: [ProbeController] },
    );
  });
  afterAll(() => t?.close());

  /** A signed-in account with an authenticator (enrolled now, so the sign-in counts as fresh). */
  async function signedInWithTotp(tag: string) {
    const email = uniqueEmail(tag);
    await seedAccount(t, email);
    const agent = t.agent();
    await signInWithPasswordAndEmail(t, agent, email);
    const enrolment = await enrolTotp(agent, t.clock.now());
    return { email, agent, ...enrolment };
  }

  it('TOTP account: fresh for 300 s, then step_up_required; a step-up with the authenticator renews authTime under a new session id', async () => {
    const { agent, secret, sessionId: enrolled } = await signedInWithTotp('stepup-totp');
    const signedIn = await me(agent);
    const authTime = Date.parse(signedIn.body.authTime as string);
    expect(authTime).toBe(t.clock.now());

    expect((await agent.post('/account/recovery-codes').send({})).status).toBe(200);
    t.clock.advance(FIVE_MINUTES);
    expect((await agent.post('/account/recovery-codes').send({})).status).toBe(200);
    t.clock.advance(1);
    const stale = await agent.post('/account/recovery-codes').send({});
    expect(stale.status).toBe(401);
    expect(stale.body).toEqual({ error: 'step_up_required', message: expect.any(String), factors: TOTP_FACTORS });
    expect((await agent.post('/account/totp/disable').send({})).body).toMatchObject({ error: 'step_up_required' });
    // Old is not signed out: the rest of the account still works.
    expect((await me(agent)).status).toBe(200);

    const start = await agent.post('/step-up').send({});
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: TOTP_FACTORS });
    const pendingCookie = sessionCookie(start);
    expect(sessionIdOf(start)).not.toBe(enrolled);
    const status = await agent.get('/verify/status').set('Accept', JSON_TYPE);
    expect(status.body).toMatchObject({ status: 'pending', step: 'second_factor', factors: TOTP_FACTORS });
    // Still signed in while the step-up is pending, with the old authTime.
    expect((await me(agent)).body).toMatchObject({ authTime: new Date(authTime).toISOString() });

    const done = await verifyTotp(t, agent, secret);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(sessionIdOf(done)).not.toBe(sessionIdOf(start));
    // The id before the step-up's answer is dead.
    const replay = await request(t.http).get('/me').set('Accept', JSON_TYPE).set('Cookie', pendingCookie);
    expect(replay.status).toBe(401);

    const after = await me(agent);
    expect(after.body).toMatchObject({ aal: 2, factors: expect.arrayContaining(['pwd', 'totp']) });
    expect(after.body.authTime).toBe(new Date(t.clock.now()).toISOString());
    expect(Date.parse(after.body.authTime as string)).toBeGreaterThan(authTime + FIVE_MINUTES);
    const fresh = await agent.post('/account/recovery-codes').send({});
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
  });

  it('TOTP account: a recovery code also completes a step-up, and the session id changes at each step', async () => {
    const { agent, recoveryCodes, email, sessionId: before } = await signedInWithTotp('stepup-recovery');
    t.clock.advance(FIVE_MINUTES + 1);
    expect((await agent.post('/account/recovery-codes').send({})).status).toBe(401);

    const start = await agent.post('/step-up').send({});
    expect(start.body.status).toBe('second_factor_required');
    expect(sessionIdOf(start)).not.toBe(before);
    const done = await agent.post('/verify').send({ recoveryCode: recoveryCodes[0] });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(sessionIdOf(done)).not.toBe(sessionIdOf(start));
    expect((await me(agent)).body.authTime).toBe(new Date(t.clock.now()).toISOString());
    expect((await agent.post('/account/recovery-codes').send({})).status).toBe(200);
    const used = await mailMatching(t, email, /recovery code was used/i);
    expect(used.text).toContain('9 codes are left');
  });

  it('account without an authenticator: the step-up is an emailed code', async () => {
    const email = uniqueEmail('stepup-email');
    await seedAccount(t, email);
    const agent = t.agent();
    const signedIn = await signInWithPasswordAndEmail(t, agent, email);
    const mailedAt = Date.now();
    const authTime = Date.parse((await me(agent)).body.authTime as string);

    // Removing an authenticator is a FreshAuth(300) route; without one it has nothing to do (204).
    expect((await agent.post('/account/totp/disable').send({})).status).toBe(204);
    t.clock.advance(FIVE_MINUTES + 1);
    const stale = await agent.post('/account/totp/disable').send({});
    expect(stale.status).toBe(401);
    expect(stale.body).toEqual({ error: 'step_up_required', message: expect.any(String), factors: ['email_otp'] });
    expect((await agent.post('/account/recovery-codes').send({})).body.error).toBe('step_up_required');

    await sleep(Math.max(0, mailedAt + 1100 - Date.now())); // OTP_RESEND_SECONDS=1
    await t.app.get(MailDispatcher).drain(2000);
    const since = Date.now();
    const start = await agent.post('/step-up').send({});
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body).toEqual({ status: 'code_sent', next: '/verify', expiresAt: expect.any(String), resendAfter: 1 });
    expect(sessionIdOf(start)).not.toBe(sessionIdOf(signedIn));
    const mail = await t.smtp.waitForMail(email, { since });
    expect(mail.code).toMatch(/^\d{6}$/);
    expect((await me(agent)).status).toBe(200);

    const done = await agent.post('/verify').send({ code: mail.code });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(sessionIdOf(done)).not.toBe(sessionIdOf(start));
    const after = await me(agent);
    expect(after.body).toMatchObject({ email, aal: 2, factors: ['pwd', 'email_otp'] });
    expect(after.body.authTime).toBe(new Date(t.clock.now()).toISOString());
    expect(Date.parse(after.body.authTime as string)).toBeGreaterThan(authTime);

    expect((await agent.post('/account/totp/disable').send({})).status).toBe(204);
    // Past the guard now: new recovery codes need an authenticator (200 is impossible without one).
    const regen = await agent.post('/account/recovery-codes').send({});
    expect(regen.status).toBe(409);
    expect(regen.body.error).toBe('no_authenticator');
  });

  it('a form post to a FreshAuth route with an old sign-in is sent to /step-up (303)', async () => {
    const { agent } = await signedInWithTotp('stepup-form');
    const page = await agent.get('/account/security').set('Accept', HTML_ACCEPT);
    expect(page.status).toBe(200);
    t.clock.advance(FIVE_MINUTES + 1);

    const res = await postForm(agent, '/account/totp/disable', { _csrf: csrfFrom(page.text) });
    expect({ status: res.status, location: res.headers.location }).toEqual({ status: 303, location: '/step-up' });
    // Nothing was removed.
    expect((await me(agent)).body.factors).toContain('totp');
  });

  it('an old sign-in cannot get around FreshAuth by enrolling another authenticator', async () => {
    // Replacing the authenticator removes the owner's one and voids the recovery codes: what
    // FreshAuth(300) guards on /account/totp/setup, /account/totp/disable and /account/recovery-codes.
    const { email, agent, secret, recoveryCodes } = await signedInWithTotp('stepup-replace');
    t.clock.advance(FIVE_MINUTES + 1);
    const setup = await agent.post('/account/totp/setup').send({});
    expect(setup.status).toBe(401);
    expect(setup.body.error).toBe('step_up_required');
    expect((await agent.post('/account/totp/disable').send({})).status).toBe(401);
    // ...and the owner's authenticator and recovery codes still work.
    const owner = t.agent();
    expect((await owner.post('/auth').send({ email, password: PASSWORD })).status).toBe(200);
    expect((await verifyTotp(t, owner, secret)).status).toBe(200);
    const other = t.agent();
    expect((await other.post('/auth').send({ email, password: PASSWORD })).status).toBe(200);
    expect((await other.post('/verify').send({ recoveryCode: recoveryCodes[0] })).status).toBe(200);
  });

  it('a setup made while fresh can be confirmed for its 10 minutes, after the 5 of FreshAuth', async () => {
    const email = uniqueEmail('stepup-slow-confirm');
    await seedAccount(t, email);
    const agent = t.agent();
    await signInWithPasswordAndEmail(t, agent, email);
    const setup = await agent.post('/account/totp/setup').send({});
    expect(setup.status).toBe(200);
    t.clock.advance(FIVE_MINUTES + 60_000);
    const confirmed = await agent
      .post('/account/totp/confirm')
      .send({ code: totpCode(setup.body.secret, t.clock.now()) });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.status).toBe('enabled');
    expect((await me(agent)).body.factors).toContain('totp');
  });

  it('pages: the step-up page, then the form flow back to the page first asked for, and the removal by form', async () => {
    const { agent, secret, email } = await signedInWithTotp('stepup-pages');
    t.clock.advance(FIVE_MINUTES + 1);

    // A page (GET) of a host app's FreshAuth route: 303 to /step-up, and back there afterwards.
    const guarded = await agent.get('/probe/fresh').set('Accept', HTML_ACCEPT);
    expect(guarded.status).toBe(303);
    expect(guarded.headers.location).toBe('/step-up');
    const json = await agent.get('/probe/fresh').set('Accept', JSON_TYPE);
    expect(json.status).toBe(401);
    expect(json.body).toEqual({ error: 'step_up_required', message: expect.any(String), factors: TOTP_FACTORS });

    const stepUpPage = await agent.get('/step-up').set('Accept', HTML_ACCEPT);
    expect(stepUpPage.status).toBe(200);
    expect(stepUpPage.type).toBe('text/html');
    expect(stepUpPage.text).toContain('<form method="post" action="/step-up"');
    expect(stepUpPage.headers['cache-control']).toBe('no-store');

    const start = await postForm(agent, '/step-up', { _csrf: csrfFrom(stepUpPage.text) });
    expect(start.status).toBe(303);
    expect(start.headers.location).toBe('/verify');
    const verifyPage = await agent.get('/verify').set('Accept', HTML_ACCEPT);
    expect(verifyPage.status).toBe(200);
    expect(verifyPage.text).toContain('Confirm it is you');
    expect(verifyPage.text).toMatch(/<input id="code" name="code"[^>]*autocomplete="one-time-code"/);
    expect(verifyPage.text).toContain('name="recoveryCode"');
    expect(verifyPage.text).not.toContain('action="/verify/resend"');

    t.clock.nextStep();
    const done = await postForm(agent, '/verify', {
      _csrf: csrfFrom(verifyPage.text),
      code: totpCode(secret, t.clock.now()),
    });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/probe/fresh');
    expect((await agent.get('/probe/fresh').set('Accept', JSON_TYPE)).status).toBe(200);

    // Fresh again: the removal form works, and the owner is told.
    const security = await agent.get('/account/security').set('Accept', HTML_ACCEPT);
    const removed = await postForm(agent, '/account/totp/disable', { _csrf: csrfFrom(security.text) });
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe('/account/security');
    expect((await mailMatching(t, email, /removed/i)).subject).toMatch(/authenticator app was removed/i);
  });

  it('POST /step-up signed out is 401 unauthenticated', async () => {
    const res = await t.agent().post('/step-up').send({});
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthenticated');
  });
});

describe('step-up to AAL2 (AAL2_FACTORS=totp,recovery_code, MFA_EMAIL_FALLBACK=true)', () => {
  let t: ClockedTestApp;
  beforeAll(async () => {
    t = await createClockedTestApp(
      {
        AUTH_FIRST_FACTOR: 'password',
        OTP_RESEND_SECONDS: '1',
        MFA_EMAIL_FALLBACK: 'true',
        AAL2_FACTORS: 'totp,recovery_code',
      },
      { controllers: [ProbeController] },
    );
  });
  afterAll(() => t?.close());

  it('password + emailed code is aal 1: a RequireAal(2) route asks for a step-up, which the authenticator completes', async () => {
    const email = uniqueEmail('aal2');
    await seedAccount(t, email);
    const enrolling = t.agent();
    await signInWithPasswordAndEmail(t, enrolling, email);
    const { secret } = await enrolTotp(enrolling, t.clock.now());

    // The emailed code instead of the authenticator (the fallback): two factors, but only aal 1 here.
    await sleep(1100); // OTP_RESEND_SECONDS=1
    await t.app.get(MailDispatcher).drain(2000);
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email, password: PASSWORD })).body.factors).toContain('email_otp');
    const since = Date.now();
    expect((await agent.post('/verify/resend').send({})).status).toBe(200);
    const mail = await t.smtp.waitForMail(email, { since });
    expect((await agent.post('/verify').send({ code: mail.code })).status).toBe(200);
    expect((await me(agent)).body).toMatchObject({ aal: 1, factors: ['pwd', 'email_otp'] });

    const weak = await agent.get('/probe/aal2').set('Accept', JSON_TYPE);
    expect(weak.status).toBe(401);
    expect(weak.body).toEqual({ error: 'step_up_required', message: expect.any(String), factors: TOTP_FACTORS });

    const start = await agent.post('/step-up').send({});
    // A step-up never offers the emailed code in place of the authenticator.
    expect(start.body).toEqual({ status: 'second_factor_required', next: '/verify', factors: TOTP_FACTORS });
    const done = await verifyTotp(t, agent, secret);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const strong = await agent.get('/probe/aal2').set('Accept', JSON_TYPE);
    expect(strong.status).toBe(200);
    expect(strong.body).toEqual({ aal: 2, factors: ['pwd', 'email_otp', 'totp'] });
  });
});
