/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import type { Browser, BrowserContext, Page, Request as PwRequest, Response as PwResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../support/app.js';
import {
  type BrowserServer,
  expectAccessibleWithoutScript,
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
 * Sign-in with JavaScript off: every form is a plain URL-encoded post carrying its `_csrf`
 * token, success is a 303 (post/redirect/get), and a failure re-renders the page with the error.
 * (Generous per-test time: a browser on a busy 2-core machine can be slow.)
 */
describe('browser, JavaScript off', { timeout: 60_000 }, () => {
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

  const noJs = (server: BrowserServer): Promise<BrowserContext> =>
    newContext(browser, server.url, { javaScriptEnabled: false });

  /**
   * Clicks a submit button and returns the form post and its answer (before any redirect is followed),
   * once the resulting page has loaded.
   */
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

  /** The post is a plain form post with the page's CSRF token, and nothing else the browser had to script. */
  async function expectFormPost(page: Page, request: PwRequest, fields: string[]): Promise<void> {
    expect(request.headers()['content-type']).toBe('application/x-www-form-urlencoded');
    const sent = new URLSearchParams(request.postData() ?? '');
    expect([...sent.keys()].sort()).toEqual(['_csrf', ...fields].sort());
    expect(sent.get('_csrf')).toMatch(/^\S{16,}$/);
    // The browser sends its own origin: the server's Origin check lets it through.
    expect(request.headers()['origin'] ?? (await request.allHeaders()).origin).toBe(new URL(page.url()).origin);
  }

  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id);

  it('password mode: register, a wrong code, then the right one typed with a dash; all plain form posts', async () => {
    const context = await noJs(password);
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401 .*\/verify\)$/); // the re-rendered page after the wrong code
    const address = uniqueEmail('nojs-register');

    await page.goto('/register');
    const token = await page.locator('input[name="_csrf"]').first().inputValue();
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill('correct horse battery');
    const reg = await submit(page, 'Create account', '/register');
    await expectFormPost(page, reg.request, ['email', 'password']);
    expect(new URLSearchParams(reg.request.postData() ?? '').get('_csrf')).toBe(token);
    expect(reg.response.status()).toBe(303);
    expect(reg.response.headers()['location']).toBe('/verify');
    expect(new URL(page.url()).pathname).toBe('/verify');

    const code = await password.t.codeFor(address);
    // Without the page script the resend button carries no countdown: it is usable at once.
    await expect(page.getByRole('button', { name: 'Send a new code' }).isEnabled()).resolves.toBe(true);

    await page.getByLabel('Code', { exact: true }).fill(wrongCode(code));
    const wrong = await submit(page, 'Verify', '/verify');
    await expectFormPost(page, wrong.request, ['code']);
    expect(wrong.response.status()).toBe(401);
    expect(new URL(page.url()).pathname).toBe('/verify');
    const alert = page.locator('#form-error');
    await expect(alert.isVisible()).resolves.toBe(true);
    await expect(alert.textContent()).resolves.toMatch(/The code is not correct\s+4 attempts left\./);
    await expect(page.title()).resolves.toBe('Error: Enter your code · Sign-in');
    // The re-rendered page puts focus on the error (autofocus), so it is read first.
    // Autofocus lands at the next rendering update, not at load: poll for it.
    await expect.poll(() => focusedId(page)).toBe('form-error');
    // The page still says where the code went and when it expires.
    await expect(page.locator('.intro').textContent()).resolves.toContain(address);
    await screenshot(page, 'verify-error-no-js');
    await expectAccessibleWithoutScript(page, 'verify with an error (no JavaScript)');

    await page.getByLabel('Code', { exact: true }).fill(spaced(code, '-'));
    const right = await submit(page, 'Verify', '/verify');
    expect(new URLSearchParams(right.request.postData() ?? '').get('code')).toBe(spaced(code, '-'));
    expect(right.response.status()).toBe(303);
    expect(right.response.headers()['location']).toBe('/home');
    expect(new URL(page.url()).pathname).toBe('/home');
    await expect(page.locator('strong').textContent()).resolves.toBe(address);

    const out = await submit(page, 'Sign out', '/logout');
    await expectFormPost(page, out.request, []);
    expect(out.response.status()).toBe(303);
    expect(out.response.headers()['location']).toBe('/auth');
    expect(new URL(page.url()).pathname).toBe('/auth');

    await page.goto('/home');
    expect(new URL(page.url()).pathname).toBe('/auth');
    problems.expectNone();
    await context.close();
  });

  it('email mode: sign in with a code typed with a space', async () => {
    const context = await noJs(email);
    const { page, problems } = await openPage(context);
    const address = uniqueEmail('nojs-email');

    await page.goto('/auth');
    await page.getByLabel('Email').fill(address);
    const start = await submit(page, 'Email me a code', '/auth');
    await expectFormPost(page, start.request, ['email']);
    expect(start.response.status()).toBe(303);
    expect(start.response.headers()['location']).toBe('/verify');
    expect(new URL(page.url()).pathname).toBe('/verify');

    await page.getByLabel('Code', { exact: true }).fill(spaced(await email.t.codeFor(address), ' '));
    const done = await submit(page, 'Verify', '/verify');
    expect(done.response.status()).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/home');
    await expect(page.locator('main').textContent()).resolves.toContain('with an emailed code');
    await screenshot(page, 'home-no-js');
    problems.expectNone();
    await context.close();
  });

  it('an invalid email re-renders the sign-in page with the field’s message and the value kept', async () => {
    const context = await noJs(email);
    const { page, problems } = await openPage(context);
    problems.allow(/status of 400 .*\/auth\)$/);
    await page.goto('/auth');
    await page.getByLabel('Email').fill('not-an-address');
    const bad = await submit(page, 'Email me a code', '/auth');
    expect(bad.response.status()).toBe(400);
    expect(new URL(page.url()).pathname).toBe('/auth');
    await expect(page.locator('#form-error').textContent()).resolves.toMatch(
      /Some fields are not valid\s+Enter an email address, like name@example\.com/,
    );
    await expect(page.getByLabel('Email').inputValue()).resolves.toBe('not-an-address');
    // Autofocus lands at the next rendering update, not at load: poll for it.
    await expect.poll(() => focusedId(page)).toBe('form-error');
    await expect(page.title()).resolves.toBe('Error: Sign in · Sign-in');
    await screenshot(page, 'sign-in-error-no-js');
    await expectAccessibleWithoutScript(page, 'sign-in with an error (no JavaScript)');
    problems.expectNone();
    await context.close();
  });

  it('resend too early says how long to wait; after the cooldown it sends a new code, and the earlier one still works', async () => {
    const context = await noJs(email);
    const { page, problems } = await openPage(context);
    problems.allow(/status of 429 .*\/verify\/resend\)$/);
    problems.allow(/status of 401 .*\/verify\)$/);
    const address = uniqueEmail('nojs-resend');
    await page.goto('/auth');
    await page.getByLabel('Email').fill(address);
    await submit(page, 'Email me a code', '/auth');
    const first = await email.t.codeFor(address);

    const early = await submit(page, 'Send a new code', '/verify/resend');
    await expectFormPost(page, early.request, []);
    expect(early.response.status()).toBe(429);
    await expect(page.locator('#form-error').textContent()).resolves.toMatch(
      /Please wait before asking for another code\s+Try again in [12]\u00a0s\./,
    );
    await screenshot(page, 'verify-resend-too-early-no-js');

    await new Promise((r) => setTimeout(r, 2_100));
    const since = Date.now();
    const again = await submit(page, 'Send a new code', '/verify/resend');
    expect(again.response.status()).toBe(303);
    expect(again.response.headers()['location']).toBe('/verify');
    expect(new URL(page.url()).pathname).toBe('/verify');
    const second = (await email.t.smtp.waitForMail(address, { since })).code!;
    expect(second).toMatch(/^\d{6}$/);

    // The earlier code still counts (OTP_VALID_CODES defaults to 3): a late first mail is no dead end.
    await page.getByLabel('Code', { exact: true }).fill(first);
    expect((await submit(page, 'Verify', '/verify')).response.status()).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/home');
    problems.expectNone();
    await context.close();
  });

  it('the protected page sends a signed-out browser to sign-in, and a half-signed-in one to the code page', async () => {
    const context = await noJs(email);
    const { page, problems } = await openPage(context);
    const home = await page.goto('/home');
    expect(home?.request().redirectedFrom()?.url()).toBe(`${email.url}/home`);
    expect(new URL(page.url()).pathname).toBe('/auth');
    await screenshot(page, 'sign-in-no-js');

    const address = uniqueEmail('nojs-guard');
    await page.getByLabel('Email').fill(address);
    await submit(page, 'Email me a code', '/auth');
    await email.t.codeFor(address);
    await page.goto('/home');
    await waitForPath(page, '/verify');
    problems.expectNone();
    await context.close();
  });
});
