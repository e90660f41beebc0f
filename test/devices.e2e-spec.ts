/**
 * Trusted browsers: a remembered browser skips the second factor (never the first), its token
 * rotates on each use, and a copied or rotated value does nothing; a browser that signed in before
 * (a known device) is not held by the identifier's lock a stranger set off, and has a budget of its
 * own. A password reset forgets both. `REMEMBER_DEVICE_DAYS`: 30 by default (the checkbox and the
 * cookie's life), and 0 turns remembering off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicesService } from '../src/devices/index.js';
import { SettableClock } from '../src/testing/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { cookieValue } from './support/session.js';
import {
  type Agent,
  enrolTotp,
  HTML_ACCEPT,
  JSON_TYPE,
  mailMatching,
  me,
  PASSWORD,
  seedAccount,
  signInWithPasswordAndEmail,
  totpCode,
} from './support/mfa.js';

const DAY_SECONDS = 86_400;
/** The second-factor page's "remember this browser" checkbox and its label. */
const REMEMBER_CHECKBOX = /<input type="checkbox" name="remember" value="on"> Remember this browser for (\d+) days/;

/** The attributes of cookie `name` a response set (`Max-Age`, `Path`, ...), or undefined. */
const cookieAttributes = (res: { headers: Record<string, unknown> }, name: string) => {
  const raw = ([] as string[])
    .concat((res.headers['set-cookie'] as string[] | undefined) ?? [])
    .find((c) => c.startsWith(`${name}=`));
  if (!raw) return undefined;
  return Object.fromEntries(
    raw
      .split(';')
      .slice(1)
      .map((part) => {
        const [key, ...value] = part.trim().split('=');
        return [key.toLowerCase(), value.join('=')];
      }),
  );
};

/** Sign-in helpers for an app whose clock is `clock`: accounts with an authenticator, and signing in with it. */
function totpHelpers(app: () => TestApp, clock: SettableClock) {
  return {
    /** An account with an authenticator; returns its secret. The clock is moved past the confirming step. */
    async totpAccount(tag: string): Promise<{ email: string; secret: string }> {
      const t = app();
      const email = uniqueEmail(tag);
      await seedAccount(t, email);
      const agent = t.agent();
      await signInWithPasswordAndEmail(t, agent, email);
      const { secret } = await enrolTotp(agent, clock.now());
      clock.advance(30_000);
      return { email, secret };
    },

    /** The password, then the authenticator's current code with `body`'s extra fields (the clock then moves on). */
    async passwordThenTotp(agent: Agent, email: string, secret: string, body: object = {}) {
      const first = await agent.post('/auth').send({ email, password: PASSWORD });
      expect(first.body.status).toBe('second_factor_required');
      const res = await agent.post('/verify').send({ code: totpCode(secret, clock.now()), ...body });
      clock.advance(30_000);
      return res;
    },
  };
}

describe('trusted browsers (password mode)', () => {
  const clock = new SettableClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' }, { clock });
  });
  afterAll(() => t?.close());
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const { totpAccount, passwordThenTotp } = totpHelpers(() => t, clock);

  it('remembers for 30 days by default: the second-factor page offers it for 30 days, and the rd cookie lasts 30 days', async () => {
    expect(t.config.rememberDeviceDays).toBe(30);
    const { email, secret } = await totpAccount('remember-default');
    const browser = t.agent();
    expect((await browser.post('/auth').send({ email, password: PASSWORD })).body.status).toBe(
      'second_factor_required',
    );
    const page = await browser.get('/verify').set('Accept', HTML_ACCEPT);
    expect(page.status).toBe(200);
    expect(REMEMBER_CHECKBOX.exec(page.text)?.[1]).toBe('30');

    const remembered = await browser.post('/verify').send({ code: totpCode(secret, clock.now()), remember: true });
    clock.advance(30_000);
    expect(remembered.body).toEqual({ status: 'authenticated', next: '/home' });
    const rd = cookieAttributes(remembered, 'rd');
    expect(rd?.['max-age']).toBe(String(30 * DAY_SECONDS));
    const expires = Date.parse(rd!.expires);
    expect(Math.abs(expires - (Date.now() + 30 * DAY_SECONDS * 1000))).toBeLessThan(60_000);
    const [device] = (await t.app.get(DevicesService).list(email)).filter((d) => d.kind === 'remembered');
    expect(Math.abs(device.expiresAt - (Date.now() + 30 * DAY_SECONDS * 1000))).toBeLessThan(60_000);
  });

  it('a remembered browser skips the authenticator (not the password) and rotates its token each time', async () => {
    const { email, secret } = await totpAccount('remember');
    const browser = t.agent();
    const remembered = await passwordThenTotp(browser, email, secret, { remember: true });
    expect(remembered.status).toBe(200);
    const firstToken = cookieValue(remembered, 'rd');
    expect(firstToken).toMatch(/^[\w-]{43}$/);
    expect((await browser.post('/logout').send({})).status).toBe(204);

    // The password is still asked; the authenticator is not.
    expect((await browser.post('/auth').send({ email, password: 'wrong password 1' })).status).toBe(401);
    await sleep(20);
    const skippedAt = Date.now();
    const again = await browser.post('/auth').send({ email, password: PASSWORD });
    expect(again.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await me(browser)).body.factors).toEqual(['pwd']);
    const rotated = cookieValue(again, 'rd');
    expect(rotated).toMatch(/^[\w-]{43}$/);
    expect(rotated).not.toBe(firstToken);

    // Another browser is asked for the authenticator; one with the old (rotated) value too.
    expect((await t.agent().post('/auth').send({ email, password: PASSWORD })).body.status).toBe(
      'second_factor_required',
    );
    const copied = await t.agent().post('/auth').set('Cookie', `rd=${firstToken}`).send({ email, password: PASSWORD });
    expect(copied.body.status).toBe('second_factor_required');

    // It is listed as this browser, last used for the sign-in that skipped the authenticator, and
    // can be forgotten.
    const list = await browser.get('/account/sessions').set('Accept', JSON_TYPE);
    const entry = (
      list.body.sessions as {
        id: string;
        kind: string;
        remembered: boolean;
        current: boolean;
        createdAt: string;
        lastSeenAt: string;
      }[]
    ).find((s) => s.kind === 'remembered');
    expect(entry).toMatchObject({ remembered: true, current: true });
    expect(Date.parse(entry!.createdAt)).toBeLessThan(skippedAt);
    expect(Date.parse(entry!.lastSeenAt)).toBeGreaterThanOrEqual(skippedAt);

    // A remembered sign-in is recent but skipped the second factor: it is not a fresh one, so
    // actions that need it ask for the authenticator first.
    const stale = await browser.delete(`/account/sessions/${entry!.id}`).set('Accept', JSON_TYPE);
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'step_up_required', factors: ['totp', 'recovery_code'] });
    expect((await browser.post('/step-up').send({})).body.status).toBe('second_factor_required');
    expect((await browser.post('/verify').send({ code: totpCode(secret, clock.now()) })).status).toBe(200);
    expect((await me(browser)).body.factors).toEqual(['pwd', 'totp']);
    expect((await browser.delete(`/account/sessions/${entry!.id}`)).status).toBe(204);
    await browser.post('/logout').send({});
    expect((await browser.post('/auth').send({ email, password: PASSWORD })).body.status).toBe(
      'second_factor_required',
    );
  });

  it('without the checkbox nothing is remembered', async () => {
    const { email, secret } = await totpAccount('no-remember');
    const browser = t.agent();
    const res = await passwordThenTotp(browser, email, secret);
    expect(cookieValue(res, 'rd')).toBeUndefined();
    await browser.post('/logout').send({});
    expect((await browser.post('/auth').send({ email, password: PASSWORD })).body.status).toBe(
      'second_factor_required',
    );
  });

  it('a browser that signed in before is not held by the lock a stranger set off, and has its own budget', async () => {
    const email = uniqueEmail('known');
    await seedAccount(t, email);
    const owner = t.agent();
    const signedIn = await signInWithPasswordAndEmail(t, owner, email);
    expect(cookieValue(signedIn, 'kd')).toMatch(/^[\w-]{43}$/);
    await owner.post('/logout').send({});

    // A stranger locks the identifier.
    const stranger = t.agent();
    for (let i = 0; i < 10; i++) await stranger.post('/auth').send({ email, password: `wrong password ${i}` });
    expect((await stranger.post('/auth').send({ email, password: PASSWORD })).status).toBe(429);
    expect((await t.agent().post('/auth').send({ email, password: PASSWORD })).body.error).toBe('locked');

    // The owner's browser still signs in, with the password and the mailed code.
    await sleep(1100);
    const start = await owner.post('/auth').send({ email, password: PASSWORD });
    expect(start.status).toBe(200);
    expect(start.body.status).toBe('code_sent');
    expect((await owner.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
    await owner.post('/logout').send({});

    // Its own budget: 5 wrong passwords, then it is locked too (15 minutes).
    for (let i = 0; i < 5; i++) {
      expect((await owner.post('/auth').send({ email, password: `owner typo ${i}` })).status).toBe(401);
    }
    const locked = await owner.post('/auth').send({ email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('locked');
  });

  it('a password reset forgets remembered and known browsers: their copied cookies do nothing', async () => {
    const { email, secret } = await totpAccount('reset-devices');
    const browser = t.agent();
    const res = await passwordThenTotp(browser, email, secret, { remember: true });
    const rd = cookieValue(res, 'rd')!;
    const kd = cookieValue(res, 'kd')!;
    await sleep(1100);
    const forgot = t.agent();
    expect((await forgot.post('/password/forgot').send({ email })).status).toBe(200);
    const code = (await mailMatching(t, email, /Reset your/)).code!;
    expect((await forgot.post('/password/reset').send({ code, password: 'a brand new passphrase' })).status).toBe(200);

    const copy = t.agent();
    const after = await copy
      .post('/auth')
      .set('Cookie', `rd=${rd}; kd=${kd}`)
      .send({ email, password: 'a brand new passphrase' });
    expect(after.body.status).toBe('second_factor_required');
    // Nothing of the account is trusted any more.
    expect(await t.app.get(DevicesService).list(email)).toEqual([]);
  });
});

describe('REMEMBER_DEVICE_DAYS=0 (remembering off)', () => {
  const clock = new SettableClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      { AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1', REMEMBER_DEVICE_DAYS: '0' },
      { clock },
    );
  });
  afterAll(() => t?.close());
  const { totpAccount, passwordThenTotp } = totpHelpers(() => t, clock);

  it('offers no checkbox, and `remember: true` remembers nothing: no rd cookie, and the next sign-in asks for the second factor', async () => {
    expect(t.config.rememberDeviceDays).toBe(0);
    const { email, secret } = await totpAccount('remember-off');
    const browser = t.agent();
    expect((await browser.post('/auth').send({ email, password: PASSWORD })).body.status).toBe(
      'second_factor_required',
    );
    const page = await browser.get('/verify').set('Accept', HTML_ACCEPT);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="code"');
    expect(page.text).not.toMatch(REMEMBER_CHECKBOX);
    expect(page.text).not.toContain('name="remember"');

    const res = await browser.post('/verify').send({ code: totpCode(secret, clock.now()), remember: true });
    clock.advance(30_000);
    expect(res.body).toEqual({ status: 'authenticated', next: '/home' });
    expect(cookieAttributes(res, 'rd')).toBeUndefined();
    // Still a known browser (every full sign-in makes one), never a remembered one.
    expect(cookieAttributes(res, 'kd')).toBeDefined();
    expect((await t.app.get(DevicesService).list(email)).map((d) => d.kind)).not.toContain('remembered');

    expect((await browser.post('/logout').send({})).status).toBe(204);
    expect((await browser.post('/auth').send({ email, password: PASSWORD })).body.status).toBe(
      'second_factor_required',
    );
    // The same with the value a form's checkbox sends.
    const again = await passwordThenTotp(t.agent(), email, secret, { remember: 'on' });
    expect(again.status).toBe(200);
    expect(cookieAttributes(again, 'rd')).toBeUndefined();
    expect((await t.app.get(DevicesService).list(email)).map((d) => d.kind)).not.toContain('remembered');
  });
});
