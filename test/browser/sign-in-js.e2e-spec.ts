/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../support/app.js';
import {
  type BrowserServer,
  expectAccessible,
  expectStrictCsp,
  launchBrowser,
  newContext,
  openPage,
  screenshot,
  spaced,
  startServer,
  waitForPath,
  wrongCode,
} from './harness.js';

/**
 * Sign-in in a real browser with JavaScript on: the page script posts JSON and shows errors inline.
 * (Generous per-test time: a browser on a busy 2-core machine can be slow.)
 */
describe('browser, JavaScript on', { timeout: 60_000 }, () => {
  let browser: Browser;
  let email: BrowserServer;
  let password: BrowserServer;

  beforeAll(async () => {
    [browser, email, password] = await Promise.all([
      launchBrowser(),
      startServer({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '2' }),
      startServer({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '2' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([email?.close(), password?.close()]);
  });

  /** Email mode up to the code page; returns the mailed code. */
  async function startEmailSignIn(page: Page, address: string): Promise<string> {
    await page.goto('/auth');
    await page.getByLabel('Email').fill(address);
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await waitForPath(page, '/verify');
    return email.t.codeFor(address);
  }

  it('email mode: the emailed code alone signs in', async () => {
    const context = await newContext(browser, email.url);
    const { page, problems } = await openPage(context);
    const address = uniqueEmail('ada');

    const response = await page.goto('/auth');
    expect(response?.status()).toBe(200);
    expectStrictCsp(response!.headers());
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('email');
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');
    expect(await page.locator('#password').count()).toBe(0);
    await screenshot(page, 'sign-in-email');
    await expectAccessible(page, 'sign-in (email mode)');

    await page.getByLabel('Email').fill(address);
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await waitForPath(page, '/verify');
    await expect(page.locator('.intro').textContent()).resolves.toContain(address);

    // One labelled field for the whole code, with what phones and password managers need.
    const field = page.getByLabel('Code', { exact: true });
    expect(await field.getAttribute('id')).toBe('code');
    expect(await field.getAttribute('inputmode')).toBe('numeric');
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await page.locator('input[name="code"]').count()).toBe(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');

    const code = await email.t.codeFor(address);
    await field.fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');
    await expect(page.locator('main').textContent()).resolves.toContain(address);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are signed in');
    problems.expectNone();
    await context.close();
  });

  it('password mode: register, confirm with the code, land on home', async () => {
    const context = await newContext(browser, password.url);
    const { page, problems } = await openPage(context);
    const address = uniqueEmail('ada');

    const response = await page.goto('/auth');
    expectStrictCsp(response!.headers());
    await expect(page.getByLabel('Password').getAttribute('autocomplete')).resolves.toBe('current-password');
    await screenshot(page, 'sign-in-password');
    await expectAccessible(page, 'sign-in (password mode)');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await waitForPath(page, '/register');
    await expect(page.getByLabel('Password').getAttribute('autocomplete')).resolves.toBe('new-password');
    await screenshot(page, 'register');
    await expectAccessible(page, 'register');

    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitForPath(page, '/verify');
    await screenshot(page, 'verify');
    await expectAccessible(page, 'verify');

    const code = await password.t.codeFor(address);
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');
    await expect(page.locator('main').textContent()).resolves.toMatch(
      /Signed in as\s+\S+.*password and an emailed code/s,
    );
    await expect(page.locator('strong').textContent()).resolves.toBe(address);
    await screenshot(page, 'home');
    await expectAccessible(page, 'home');
    problems.expectNone();
    await context.close();
  });

  it('password mode: a wrong password is an inline error, then password + code sign in', async () => {
    const address = uniqueEmail('js-password');
    // An account to sign in to, made through the JSON API like any client would.
    const agent = password.t.agent();
    expect((await agent.post('/register').send({ email: address, password: 'correct horse battery' })).status).toBe(
      200,
    );
    await agent
      .post('/verify')
      .send({ code: await password.t.codeFor(address) })
      .expect(200);
    await new Promise((r) => setTimeout(r, 2100)); // the 2 s cooldown between two mails to one address

    const context = await newContext(browser, password.url);
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401/);
    await page.goto('/auth');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill('wrong horse battery');
    await page.getByRole('button', { name: 'Continue' }).click();
    const alert = page.locator('#form-error');
    await alert.waitFor({ state: 'visible' });
    await expect(alert.textContent()).resolves.toContain('The email or password is not correct');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('form-error');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1); // no reload
    expect(new URL(page.url()).pathname).toBe('/auth');
    await screenshot(page, 'sign-in-error');
    await expectAccessible(page, 'sign-in with an error');

    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitForPath(page, '/verify');
    await page.getByLabel('Code', { exact: true }).fill(await password.t.codeFor(address));
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');
    await expect(page.locator('strong').textContent()).resolves.toBe(address);
    problems.expectNone();
    await context.close();
  });

  it('a wrong code shows the error and the attempts left without a reload; the right code then works', async () => {
    const context = await newContext(browser, email.url);
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401/);
    const address = uniqueEmail('ada');
    const code = await startEmailSignIn(page, address);

    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.getByLabel('Code', { exact: true }).fill(wrongCode(code));
    await page.getByRole('button', { name: 'Verify' }).click();
    const alert = page.locator('#form-error');
    await alert.waitFor({ state: 'visible' });
    await expect(alert.textContent()).resolves.toContain('The code is not correct');
    await expect(alert.textContent()).resolves.toContain('4 attempts left.');
    // Announced: an alert region (assertive), with the field marked invalid.
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.getAttribute('aria-live')).toBe('assertive');
    expect(await page.getByLabel('Code', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('form-error');
    expect(new URL(page.url()).pathname).toBe('/verify');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    await screenshot(page, 'verify-error');
    await expectAccessible(page, 'verify with an error');

    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');
    await expect(page.locator('strong').textContent()).resolves.toBe(address);
    problems.expectNone();
    await context.close();
  });

  it('resend: a countdown, then a new code, and the earlier one still works', async () => {
    const context = await newContext(browser, email.url);
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401/);
    const address = uniqueEmail('js-resend');
    const first = await startEmailSignIn(page, address);

    const resend = page.getByRole('button', { name: 'Send a new code' });
    await expect.poll(() => resend.isDisabled()).toBe(true);
    await expect(page.locator('#resend-countdown').textContent()).resolves.toMatch(
      /^You can ask for a new code in [12]\u00a0s\.$/,
    );
    // The ticking countdown describes the button but is not a live region (no announcement every second);
    // the note that a new code was sent is.
    expect(await page.locator('#resend-countdown').getAttribute('aria-live')).toBeNull();
    expect(await resend.getAttribute('aria-describedby')).toBe('resend-countdown');
    expect(await page.locator('#resend-note').getAttribute('aria-live')).toBe('polite');
    await screenshot(page, 'verify-resend-countdown');
    await expect.poll(() => resend.isEnabled(), { timeout: 6_000 }).toBe(true);
    await expect(page.locator('#resend-countdown').textContent()).resolves.toBe('');

    const since = Date.now();
    await resend.click();
    await expect.poll(() => page.locator('#resend-note').textContent()).toContain('A new code is on its way');
    // The countdown starts again, and focus goes back to the code field.
    await expect.poll(() => resend.isDisabled()).toBe(true);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
    const mail = await email.t.smtp.waitForMail(address, { since });
    expect(mail.code).toMatch(/^\d{6}$/);
    const second = mail.code!;
    expect(new URL(page.url()).pathname).toBe('/verify');

    // A wrong code first (the attempts count), then the earlier code, which still counts.
    const wrong = [1, 2].map((d) => String((Number(second) + d) % 1e6).padStart(6, '0')).find((c) => c !== first)!;
    await page.getByLabel('Code', { exact: true }).fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.locator('#form-error').textContent()).toContain('The code is not correct');
    await page.getByLabel('Code', { exact: true }).fill(first);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');
    problems.expectNone();
    await context.close();
  });

  it('a pasted code with spaces is cleaned in the field and accepted', async () => {
    const context = await newContext(browser, email.url, { permissions: ['clipboard-read', 'clipboard-write'] });
    const { page, problems } = await openPage(context);
    const address = uniqueEmail('js-paste');
    const code = await startEmailSignIn(page, address);

    const field = page.getByLabel('Code', { exact: true });
    await field.focus();
    await page.evaluate((text) => navigator.clipboard.writeText(text), spaced(code, ' '));
    await page.keyboard.press('ControlOrMeta+V');
    await expect.poll(() => field.inputValue()).toBe(code);
    await screenshot(page, 'verify-pasted');
    // Typing by hand with a dash is cleaned the same way.
    await field.fill('');
    await field.pressSequentially(spaced(code, '-'));
    await expect.poll(() => field.inputValue()).toBe(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');
    problems.expectNone();
    await context.close();
  });

  it('sign out from home; the protected page then redirects to sign-in', async () => {
    const context = await newContext(browser, email.url);
    const { page, problems } = await openPage(context);
    const address = uniqueEmail('js-signout');
    const code = await startEmailSignIn(page, address);
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitForPath(page, '/auth');
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');
    await screenshot(page, 'signed-out');

    const home = await page.goto('/home');
    expect(new URL(page.url()).pathname).toBe('/auth');
    expect(home?.request().redirectedFrom()?.url()).toBe(`${email.url}/home`);
    // The session is gone on the server too: the old cookie signs nobody in.
    const me = await page.request.get('/me', { headers: { Accept: 'application/json' } });
    expect(me.status()).toBe(401);
    problems.expectNone();
    await context.close();
  });
});
