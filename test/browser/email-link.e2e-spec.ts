/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettableClock } from '../../src/testing/index.js';
import { uniqueEmail } from '../support/app.js';
import { signInLinkOf } from '../support/mail-link.js';
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
  watch,
} from './harness.js';

/**
 * Email sign-in people can finish, in Chromium with JavaScript on and off: the link of the
 * delivered mail, opened in the browser that asked for the code, signs in with one click (and in
 * another browser says so); the page of an expired step starts it again in one click. axe-core
 * (WCAG 2.2 AA) on the link page, the other-browser page and the ended page.
 * (Generous per-test time: a browser on a busy 2-core machine can be slow.)
 */

const EN = JSON.parse(readFileSync(new URL('../../views/locales/en.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>;

const MODES = [
  { label: 'on', javaScriptEnabled: true, suffix: '' },
  { label: 'off', javaScriptEnabled: false, suffix: '-no-js' },
] as const;

describe('browser, the sign-in link and the ended page', { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: BrowserServer;
  /** Its clock is the test's: a step's challenge ends when the test moves it, not under load. */
  let shortLived: BrowserServer;
  const clock = new SettableClock();

  beforeAll(async () => {
    [browser, server, shortLived] = await Promise.all([
      launchBrowser(),
      startServer({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' }),
      startServer({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1' }, { clock }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), shortLived?.close()]);
  });

  describe.each(MODES)('JavaScript $label', ({ javaScriptEnabled, suffix }) => {
    const context = (on: BrowserServer): Promise<BrowserContext> => newContext(browser, on.url, { javaScriptEnabled });
    const accessible = (page: Page, label: string) =>
      javaScriptEnabled ? expectAccessible(page, label) : expectAccessibleWithoutScript(page, label);

    /** Email mode up to the code page. */
    async function askForCode(page: Page, address: string): Promise<void> {
      await page.goto('/auth');
      await page.getByLabel('Email').fill(address);
      await page.getByRole('button', { name: EN['signIn.submit.email'] }).click();
      await waitForPath(page, '/verify');
    }

    it('the link of the delivered mail signs in with one click in the same browser; another browser is told so', async () => {
      const mine = await context(server);
      const { page, problems } = await openPage(mine);
      // The code page left open in its tab asks /verify/status now and then: signed in, that is a 410.
      problems.allow(/status of 410 .*\/verify\/status\)$/);
      const address = uniqueEmail(`link-js-${javaScriptEnabled ? 'on' : 'off'}`);
      await askForCode(page, address);
      const link = signInLinkOf(await server.t.mailTo(address), server.url);

      // Opened in another browser (another cookie jar): it says so, and offers nothing to press.
      const theirs = await context(server);
      const { page: elsewhere, problems: elsewhereProblems } = await openPage(theirs);
      const seen = await elsewhere.goto(link.url);
      expect(seen?.status()).toBe(200);
      const notice = elsewhere.locator('#other-browser');
      await expect(notice.isVisible()).resolves.toBe(true);
      await expect(notice.textContent()).resolves.toContain(EN['link.otherBrowser']);
      expect(await elsewhere.getByRole('button').count()).toBe(0);
      await screenshot(elsewhere, `link-other-browser${suffix}`);
      await accessible(elsewhere, `sign-in link in another browser (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`);
      elsewhereProblems.expectNone();
      await theirs.close();

      // The mail client opens it in a new tab of the browser that asked for the code.
      const tab = await mine.newPage();
      const tabProblems = watch(tab);
      const opened = await tab.goto(link.url);
      expect(opened?.status()).toBe(200);
      await expect(tab.locator('h1').textContent()).resolves.toBe(EN['link.title']);
      await expect(tab.title()).resolves.toBe(`${EN['link.title']} · Sign-in`);
      expect(await tab.locator('#other-browser').count()).toBe(0);
      const buttons = tab.getByRole('button');
      expect(await buttons.count()).toBe(1);
      await expect(buttons.textContent()).resolves.toBe(EN['link.confirm']);
      await screenshot(tab, `link-confirm${suffix}`);
      await accessible(tab, `sign-in link (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`);

      const posted = tab.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/verify/link'));
      await tab.getByRole('button', { name: EN['link.confirm'] }).click();
      expect((await posted).status()).toBe(303);
      await waitForPath(tab, '/home');
      await expect(tab.locator('strong').textContent()).resolves.toBe(address);
      // The whole browser is signed in: the first tab too.
      await page.goto('/home');
      expect(new URL(page.url()).pathname).toBe('/home');
      tabProblems.expectNone();
      problems.expectNone();
      await mine.close();
    });

    it('the page of an expired step says so and restarts in one click; the new code signs in (the clock moved past the code’s deadline)', async () => {
      const mine = await context(shortLived);
      const { page, problems } = await openPage(mine);
      const address = uniqueEmail(`ended-js-${javaScriptEnabled ? 'on' : 'off'}`);
      await askForCode(page, address);
      await shortLived.t.codeFor(address);
      clock.advance(shortLived.t.config.otp.ttlSeconds * 1000 + 1000);
      await new Promise((r) => setTimeout(r, 1_100)); // the resend cooldown (1 s) runs on real time

      await page.reload();
      const ended = page.locator('#ended');
      await expect(ended.isVisible()).resolves.toBe(true);
      await expect(ended.textContent()).resolves.toContain(EN['verify.endedExpired']);
      expect(await page.getByLabel('Code', { exact: true }).count()).toBe(0);
      await expect(page.locator('main').textContent()).resolves.toContain(
        EN['verify.restartIntro'].replace('{email}', address),
      );
      await screenshot(page, `verify-ended${suffix}`);
      await accessible(page, `ended step (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`);

      const since = Date.now();
      const restarted = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/verify/restart',
      );
      await page.getByRole('button', { name: EN['verify.restart'] }).click();
      // JavaScript posts JSON (200) and goes to /verify; a plain form gets a 303 there.
      expect((await restarted).status()).toBe(javaScriptEnabled ? 200 : 303);
      const field = page.getByLabel('Code', { exact: true });
      const [mail] = await Promise.all([shortLived.t.smtp.waitForMail(address, { since }), field.waitFor()]);
      expect(new URL(page.url()).pathname).toBe('/verify');
      expect(await page.locator('#ended').count()).toBe(0);
      await field.fill(mail.code!);
      await page.getByRole('button', { name: EN['verify.submit'] }).click();
      await waitForPath(page, '/home');
      await expect(page.locator('strong').textContent()).resolves.toBe(address);
      problems.expectNone();
      await mine.close();
    });
  });
});
