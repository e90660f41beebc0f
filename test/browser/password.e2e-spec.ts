/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import type { Browser, BrowserContext, Page, Request as PwRequest, Response as PwResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordService, UserStore } from '../../src/auth/index.js';
import { uniqueEmail } from '../support/app.js';
import { flushMfaKeys, PASSWORD, seedAccount } from '../support/mfa.js';
import {
  type BrowserServer,
  expectAccessibleWithoutScript,
  launchBrowser,
  newContext,
  openPage,
  screenshot,
  startServer,
  wrongCode,
} from './harness.js';

/**
 * Password reset and change with JavaScript off (password mode): from the sign-in page's link to
 * the forgot page, the code from the mail and a new password on the reset page, signing in with
 * it, then changing it on the account's page. Every form is a plain URL-encoded post with its
 * `_csrf` token, success is a 303, an error re-renders the page; axe-core checks the three pages.
 */
describe('browser, password reset and change, JavaScript off', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: BrowserServer;

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchBrowser(),
      startServer({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await flushMfaKeys();
  });

  const noJs = (): Promise<BrowserContext> => newContext(browser, server.url, { javaScriptEnabled: false });

  /** Clicks a submit button; returns the form post and its answer (before any redirect), once the next page loaded. */
  async function submit(
    page: Page,
    button: string,
    path: string,
  ): Promise<{ request: PwRequest; response: PwResponse }> {
    const posted = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === path);
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path);
    await page.getByRole('button', { name: button, exact: true }).click();
    const [request, response] = await Promise.all([posted, answered]);
    await page.waitForLoadState('load');
    return { request, response };
  }

  /** The post is a plain form post of exactly these fields and the page's CSRF token. */
  function expectFormPost(request: PwRequest, fields: string[]): void {
    expect(request.headers()['content-type']).toBe('application/x-www-form-urlencoded');
    const sent = new URLSearchParams(request.postData() ?? '');
    expect([...sent.keys()].sort()).toEqual(['_csrf', ...fields].sort());
    expect(sent.get('_csrf')).toMatch(/^\S{16,}$/);
  }

  const path = (page: Page) => new URL(page.url()).pathname;
  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id);

  /** True when the account's stored hash is of `password`. */
  async function storedPasswordIs(email: string, password: string): Promise<boolean> {
    const user = await server.t.app.get(UserStore).findByEmail(email);
    return server.t.app.get(PasswordService).verify(user?.passwordHash, password);
  }

  it('forgot -> the code from the mail -> a new password -> sign in with it -> change it; each page accessible', async () => {
    const email = uniqueEmail('nojs-reset');
    await seedAccount(server.t, email);
    const newPassword = 'tangerine orbit kettle lamp';
    const context = await noJs();
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401 .*\/password\/reset\)$/); // the re-rendered page after the wrong code

    // The sign-in page links to the forgot page.
    await page.goto('/auth');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForLoadState('load');
    expect(path(page)).toBe('/password/forgot');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Forgot your password?');
    await screenshot(page, 'password-forgot-no-js');
    await expectAccessibleWithoutScript(page, 'password forgot (no JavaScript)');

    await page.getByLabel('Email').fill(email);
    const sent = await submit(page, 'Email me a code', '/password/forgot');
    expectFormPost(sent.request, ['email']);
    expect(sent.response.status()).toBe(303);
    expect(sent.response.headers()['location']).toBe('/password/reset');
    expect(path(page)).toBe('/password/reset');
    await expect(page.locator('.intro').textContent()).resolves.toContain(email);
    const mail = await server.t.mailTo(email);
    expect(mail.subject).toBe('Reset your Sign-in password');
    const code = mail.code!;
    expect(code).toMatch(/^\d{6}$/);
    await screenshot(page, 'password-reset-no-js');
    await expectAccessibleWithoutScript(page, 'password reset (no JavaScript)');

    // A wrong code: the page again, the error read first, nothing changed.
    await page.getByLabel('Code', { exact: true }).fill(wrongCode(code));
    await page.getByLabel('New password').fill(newPassword);
    const wrong = await submit(page, 'Set the new password', '/password/reset');
    expectFormPost(wrong.request, ['code', 'password']);
    expect(wrong.response.status()).toBe(401);
    expect(path(page)).toBe('/password/reset');
    await expect(page.locator('#form-error').textContent()).resolves.toMatch(
      /The code is not correct\s+4 attempts left\./,
    );
    // Autofocus lands at the next rendering update, not at load: poll for it.
    await expect.poll(() => focusedId(page)).toBe('form-error');
    await screenshot(page, 'password-reset-error-no-js');
    await expectAccessibleWithoutScript(page, 'password reset with an error (no JavaScript)');
    expect(await storedPasswordIs(email, PASSWORD)).toBe(true);

    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByLabel('New password').fill(newPassword);
    const done = await submit(page, 'Set the new password', '/password/reset');
    expect(done.response.status()).toBe(303);
    expect(done.response.headers()['location']).toBe('/auth');
    expect(path(page)).toBe('/auth');
    expect(await storedPasswordIs(email, newPassword)).toBe(true);

    // Sign in with the new password and the mailed code.
    await new Promise((r) => setTimeout(r, 1100)); // OTP_RESEND_SECONDS=1 since the reset mail
    const since = Date.now();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(newPassword);
    const start = await submit(page, 'Continue', '/auth');
    expect(start.response.status()).toBe(303);
    expect(path(page)).toBe('/verify');
    const signInCode = (await server.t.smtp.waitForMail(email, { since })).code!;
    await page.getByLabel('Code', { exact: true }).fill(signInCode);
    const verified = await submit(page, 'Verify', '/verify');
    expect(verified.response.status()).toBe(303);
    expect(path(page)).toBe('/home');
    await expect(page.locator('strong').textContent()).resolves.toBe(email);

    // The change page, then a change by form.
    await page.goto('/account/password');
    expect(path(page)).toBe('/account/password');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Change your password');
    await screenshot(page, 'password-change-no-js');
    await expectAccessibleWithoutScript(page, 'password change (no JavaScript)');
    await page.getByLabel('Current password').fill(newPassword);
    await page.getByLabel('New password').fill('quiet harbour copper violin');
    const changed = await submit(page, 'Change the password', '/account/password');
    expectFormPost(changed.request, ['currentPassword', 'newPassword']);
    expect(changed.response.status()).toBe(303);
    expect(changed.response.headers()['location']).toBe('/account/security');
    expect(path(page)).toBe('/account/security');
    expect(await storedPasswordIs(email, 'quiet harbour copper violin')).toBe(true);

    problems.expectNone();
    await context.close();
  });

  it('the change page re-renders a refused new password with its sentence, and stays accessible', async () => {
    const email = uniqueEmail('nojs-change');
    await seedAccount(server.t, email);
    const context = await noJs();
    const { page, problems } = await openPage(context);
    problems.allow(/status of 400 .*\/account\/password\)$/);

    await page.goto('/auth');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await submit(page, 'Continue', '/auth');
    await page.getByLabel('Code', { exact: true }).fill(await server.t.codeFor(email));
    await submit(page, 'Verify', '/verify');
    expect(path(page)).toBe('/home');

    await page.goto('/account/password');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill('iloveyou1');
    const refused = await submit(page, 'Change the password', '/account/password');
    expect(refused.response.status()).toBe(400);
    expect(path(page)).toBe('/account/password');
    await expect(page.locator('#form-error').textContent()).resolves.toMatch(
      /Some fields are not valid\s+Choose a password of 8 to 256 characters that is not a common one/,
    );
    // Autofocus lands at the next rendering update, not at load: poll for it.
    await expect.poll(() => focusedId(page)).toBe('form-error');
    await screenshot(page, 'password-change-error-no-js');
    await expectAccessibleWithoutScript(page, 'password change with an error (no JavaScript)');
    expect(await storedPasswordIs(email, PASSWORD)).toBe(true);
    problems.expectNone();
    await context.close();
  });
});
