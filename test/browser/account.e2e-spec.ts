/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import type { Browser, BrowserContext, Page, Request as PwRequest, Response as PwResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf } from '../../src/account/security-notices.service.js';
import { uniqueEmail } from '../support/app.js';
import { flushMfaKeys, PASSWORD, seedAccount } from '../support/mfa.js';
import { flushKeys, testRedisUrl } from '../support/redis.js';
import type { ReceivedMail } from '../support/smtp.js';
import {
  type BrowserServer,
  expectAccessibleWithoutScript,
  launchBrowser,
  newContext,
  openPage,
  screenshot,
  startServer,
} from './harness.js';

/**
 * The account's pages with JavaScript off (password mode): the sessions page and the activity page
 * of a signed-in browser, then the "this wasn't me" link of the security notice that sign-in caused,
 * opened from the delivered mail in another browser: its confirm page, its button (a plain form
 * post with its `_csrf` token), and the landing on `/password/forgot`, the first browser signed out.
 * axe-core (WCAG 2.2 AA) checks the three pages in English.
 */
describe('browser, account pages and “this wasn’t me”, JavaScript off', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: BrowserServer;
  const tokens: string[] = [];

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
    const domain = uniqueEmail().split('@')[1];
    for (const prefix of ['hold', 'act', 'si', 'dva']) {
      await flushKeys(testRedisUrl(), `${prefix}:*@${domain}`).catch(() => undefined);
    }
    for (const token of tokens) await flushKeys(testRedisUrl(), `nm:${hashOf(token)}`).catch(() => undefined);
  });

  const noJs = (): Promise<BrowserContext> => newContext(browser, server.url, { javaScriptEnabled: false });
  const path = (page: Page) => new URL(page.url()).pathname;
  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

  /** Clicks a submit button; returns the form post and its answer (before any redirect), once the next page loaded. */
  async function submit(
    page: Page,
    button: string,
    action: string,
  ): Promise<{ request: PwRequest; response: PwResponse }> {
    const posted = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === action);
    const answered = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action,
    );
    await page.getByRole('button', { name: button, exact: true }).click();
    const [request, response] = await Promise.all([posted, answered]);
    await page.waitForLoadState('load');
    return { request, response };
  }

  /** The first mail to `email` with this subject (waits up to 5 s: notices go out after the answer). */
  async function mailWithSubject(email: string, subject: string): Promise<ReceivedMail> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = server.t.smtp.mailsTo(email).find((m) => m.subject === subject);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`No mail "${subject}" to ${email}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('the sessions and activity pages, then the mail’s “this wasn’t me” link, its button, and /password/forgot; each page accessible', async () => {
    const email = uniqueEmail('nojs-not-me');
    await seedAccount(server.t, email);

    // Sign in with the forms: the password, then the mailed code.
    const owner = await noJs();
    const { page, problems } = await openPage(owner);
    await page.goto('/auth');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await submit(page, 'Continue', '/auth');
    expect(path(page)).toBe('/verify');
    await page.getByLabel('Code', { exact: true }).fill(await server.t.codeFor(email));
    await submit(page, 'Verify', '/verify');
    expect(path(page)).toBe('/home');

    // The sessions page: this browser, listed as this one.
    await page.goto('/account/sessions');
    expect(path(page)).toBe('/account/sessions');
    await expect(heading(page)).resolves.toBe('Where you are signed in');
    // First this session, then this browser's own trusted entry (a known browser), both marked as it.
    const rows = page.locator('#sessions > li');
    await expect(rows.first().textContent()).resolves.toMatch(/This browser[\s\S]*Sign out here/);
    await expect(rows.nth(1).textContent()).resolves.toMatch(/This browser[\s\S]*Known[\s\S]*Forget/);
    await expect(page.locator('#sessions .badge', { hasText: /^This browser$/ }).count()).resolves.toBe(2);
    await screenshot(page, 'account-sessions-no-js');
    await expectAccessibleWithoutScript(page, 'account sessions (no JavaScript)');

    // The activity page: the sign-in, newest first.
    await page.goto('/account/activity');
    expect(path(page)).toBe('/account/activity');
    await expect(heading(page)).resolves.toBe('Recent activity');
    await expect(page.locator('#activity li').first().textContent()).resolves.toContain('Signed in');
    await screenshot(page, 'account-activity-no-js');
    await expectAccessibleWithoutScript(page, 'account activity (no JavaScript)');

    // The notice of this sign-in from a new browser, and its link, opened in another browser.
    const mail = await mailWithSubject(email, 'New sign-in to your Sign-in account');
    const link = new RegExp(`${server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/account/not-me\\?t=[\\w-]+`).exec(
      mail.text,
    )?.[0];
    expect(link, mail.text).toBeTruthy();
    tokens.push(new URL(link!).searchParams.get('t')!);
    const reader = await noJs();
    const { page: confirm, problems: confirmProblems } = await openPage(reader);
    const opened = await confirm.goto(link!);
    expect(opened?.status()).toBe(200);
    expect(path(confirm)).toBe('/account/not-me');
    await expect(heading(confirm)).resolves.toBe('This was not me');
    await screenshot(confirm, 'not-me-no-js');
    await expectAccessibleWithoutScript(confirm, '“this wasn’t me” (no JavaScript)');
    // Opening it changed nothing: the owner is still signed in.
    await page.goto('/account/sessions');
    expect(path(page)).toBe('/account/sessions');

    const secured = await submit(confirm, 'Secure my account', '/account/not-me');
    expect(secured.request.headers()['content-type']).toBe('application/x-www-form-urlencoded');
    const sent = new URLSearchParams(secured.request.postData() ?? '');
    expect([...sent.keys()].sort()).toEqual(['_csrf', 'token']);
    expect(sent.get('token')).toBe(tokens[0]);
    expect(secured.response.status()).toBe(303);
    expect(secured.response.headers()['location']).toBe('/password/forgot');
    expect(path(confirm)).toBe('/password/forgot');
    await expect(heading(confirm)).resolves.toBe('Forgot your password?');

    // The owner's browser is signed out, and the right password now asks for a reset.
    await page.goto('/account/sessions');
    expect(path(page)).toBe('/auth');
    const held = await server.t.agent().post('/auth').send({ email, password: PASSWORD });
    expect(held.status).toBe(403);
    expect(held.body).toMatchObject({ error: 'password_reset_required', next: '/password/forgot' });

    problems.expectNone();
    confirmProblems.expectNone();
    await Promise.all([owner.close(), reader.close()]);
  });
});
