/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../support/app.js';
import { awayFromStepEdge, flushMfaKeys, mailMatching, PASSWORD, totpCode, wrongTotp } from '../support/mfa.js';
import {
  type BrowserServer,
  expectAccessible,
  expectAccessibleWithoutScript,
  launchBrowser,
  newContext,
  openPage,
  screenshot,
  startServer,
  waitForPath,
} from './harness.js';

/**
 * The authenticator app and recovery codes in Chromium, with JavaScript on and off: add the app on
 * the security page (the secret read from the page, the code computed as the app would), keep the
 * recovery codes shown once, then sign in with password + authenticator and with password + a
 * recovery code, and confirm it is you on /step-up. axe-core (WCAG 2.2 AA) runs on the security
 * page before and after, the authenticator step of /verify and the step-up pages. The app runs on
 * the system clock: the enrolment is confirmed with the previous step's code (one step of drift is
 * accepted), so the current step's code is still unspent for the sign-in that follows.
 * (Generous per-test time: a browser on a busy 2-core machine can be slow.)
 */
describe('browser, authenticator app and recovery codes', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: BrowserServer;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), startServer({ AUTH_FIRST_FACTOR: 'password' })]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await flushMfaKeys();
  });

  /** Clicks a button and waits for the page at `path` to load (a form post and its redirect, or a script's navigation). */
  async function clickTo(page: Page, button: string, path: string): Promise<void> {
    await Promise.all([waitForPath(page, path), page.getByRole('button', { name: button, exact: true }).click()]);
    await page.waitForLoadState('load');
  }

  /** Password, as on the sign-in page: the browser ends on the authenticator step of /verify. */
  async function signInWithPassword(page: Page, address: string): Promise<void> {
    await page.goto('/auth');
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill(PASSWORD);
    await clickTo(page, 'Continue', '/verify');
  }

  async function signOut(page: Page): Promise<void> {
    await page.goto('/home');
    await clickTo(page, 'Sign out', '/auth');
  }

  async function flow(js: boolean): Promise<void> {
    const suffix = js ? '' : '-no-js';
    const label = (what: string) => (js ? what : `${what} (no JavaScript)`);
    const accessible = (page: Page, what: string) =>
      js ? expectAccessible(page, label(what)) : expectAccessibleWithoutScript(page, label(what));
    const context: BrowserContext = await newContext(browser, server.url, { javaScriptEnabled: js });
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401 .*\/verify\)$/); // the wrong authenticator code below
    const address = uniqueEmail(js ? 'mfa-js' : 'mfa-nojs');

    // An account, signed in with password + the emailed code.
    await page.goto('/register');
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill(PASSWORD);
    await clickTo(page, 'Create account', '/verify');
    await page.getByLabel('Code', { exact: true }).fill(await server.t.codeFor(address));
    await clickTo(page, 'Verify', '/home');

    // The security page, before: the authenticator is off.
    await page.getByRole('link', { name: 'Security: passkeys, authenticator app and recovery codes' }).click();
    await waitForPath(page, '/account/security');
    await expect(page.locator('h1').textContent()).resolves.toBe('Security');
    await expect(page.locator('#totp-heading + p').textContent()).resolves.toMatch(/^Off\./);
    await screenshot(page, `security${suffix}`);
    await accessible(page, 'security page, no authenticator');

    // Add it: the page shows the QR code (a data: image the CSP allows) and the secret as text.
    await page.getByRole('button', { name: 'Add an authenticator app' }).click();
    await page.locator('#totp-secret').waitFor();
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const qr = page.getByRole('img', { name: 'QR code of your new authenticator secret' });
    await expect(qr.getAttribute('src')).resolves.toMatch(/^data:image\/svg\+xml;base64,/);
    // The image really rendered (a CSP refusal would leave it empty).
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await screenshot(page, `security-setup${suffix}`);
    await accessible(page, 'security page, adding an authenticator');

    await awayFromStepEdge();
    await page.getByLabel('Code from the app').fill(totpCode(secret, Date.now() - 30_000));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.locator('#recovery-codes').waitFor();
    const recoveryCodes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Your authenticator app is on');
    await screenshot(page, `security-recovery-codes${suffix}`);
    await accessible(page, 'security page, recovery codes shown');

    // The page after: on, ten codes left, and no codes shown again.
    await page.goto('/account/security');
    await expect(page.locator('#totp-heading + p').textContent()).resolves.toMatch(/^On:/);
    await expect(page.locator('main').textContent()).resolves.toContain('10 recovery codes left.');
    expect(await page.locator('#recovery-codes').count()).toBe(0);
    await accessible(page, 'security page, authenticator on');

    // Password, then the authenticator.
    await signOut(page);
    await signInWithPassword(page, address);
    await expect(page.locator('.intro').textContent()).resolves.toBe(
      'Enter the 6-digit code from your authenticator app.',
    );
    const field = page.getByLabel('Authenticator code');
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await field.getAttribute('inputmode')).toBe('numeric');
    // No emailed code on this step (no MFA_EMAIL_FALLBACK), and none was sent.
    expect(await page.getByRole('button', { name: 'Email me a code instead' }).count()).toBe(0);
    await screenshot(page, `verify-totp${suffix}`);
    await accessible(page, 'verify, authenticator step');

    await field.fill(wrongTotp(secret, Date.now()));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    // With JavaScript the error appears in place; without, the page comes back with it.
    await expect
      .poll(() => page.locator('#form-error:not([hidden])').textContent())
      .toMatch(/^\s*The code is not correct\s*4 attempts left\.\s*$/);
    await accessible(page, 'verify, authenticator step with an error');
    await page.getByLabel('Authenticator code').fill(totpCode(secret, Date.now()));
    await clickTo(page, 'Verify', '/home');
    await expect(page.locator('main').textContent()).resolves.toContain(address);
    const mails = server.t.smtp.mailsTo(address).map((m) => m.subject);
    expect(mails.filter((s) => /sign-in code/i.test(s))).toEqual([]);

    // Password, then a recovery code (behind the disclosure), typed in capitals.
    await signOut(page);
    await signInWithPassword(page, address);
    const recoveryField = page.getByLabel('Recovery code');
    await expect(recoveryField.isVisible()).resolves.toBe(false);
    await page.getByText('Use a recovery code instead').click();
    await expect(recoveryField.isVisible()).resolves.toBe(true);
    await recoveryField.fill(recoveryCodes[0].toUpperCase());
    await clickTo(page, 'Use this recovery code', '/home');
    await expect(page.locator('main').textContent()).resolves.toContain(address);
    expect((await mailMatching(server.t, address, /recovery code was used/i)).text).toContain('9 codes are left.');

    // Confirm it is you: the step-up page, then the second factor again (a recovery code here).
    await page.goto('/step-up');
    await expect(page.locator('h1').textContent()).resolves.toBe('Confirm it is you');
    await screenshot(page, `step-up${suffix}`);
    await accessible(page, 'step-up');
    await clickTo(page, 'Continue', '/verify');
    await expect(page.locator('h1').textContent()).resolves.toBe('Confirm it is you');
    await expect(page.getByRole('link', { name: 'Back to home' }).count()).resolves.toBe(1);
    await accessible(page, 'verify, step-up');
    await page.getByText('Use a recovery code instead').click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[1]);
    await clickTo(page, 'Use this recovery code', '/home');

    await page.goto('/account/security');
    await expect(page.locator('main').textContent()).resolves.toContain('8 recovery codes left.');
    problems.expectNone();
    await context.close();
  }

  it('JavaScript on: add the authenticator, sign in with it, with a recovery code, and step up', async () => {
    await flow(true);
  });

  it('JavaScript off: the same with plain form posts', async () => {
    await flow(false);
  });
});
