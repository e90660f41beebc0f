/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../support/app.js';
import { mailMatching, PASSWORD } from '../support/mfa.js';
import {
  type BrowserServer,
  expectAccessible,
  launchBrowser,
  newContext,
  openPage,
  screenshot,
  startServer,
  waitForPath,
} from './harness.js';

/**
 * Passkeys in Chromium, through the pages, with the DevTools protocol's virtual authenticator (an
 * internal authenticator with resident keys and user verification, answering without a person):
 * sign up, add a passkey on the security page, sign out, sign in with the button and through the
 * browser's offer in the email field (conditional mediation), use it as the second factor after a
 * password, remove it. axe-core (WCAG 2.2 AA) runs on each page. The app runs at
 * `http://localhost:<port>`: WebAuthn needs a domain as the relying party id.
 */
describe('browser, passkeys', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: BrowserServer;

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchBrowser(),
      startServer({ AUTH_FIRST_FACTOR: 'password' }, { hostname: 'localhost' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function clickTo(page: Page, button: string, path: string): Promise<void> {
    await Promise.all([waitForPath(page, path), page.getByRole('button', { name: button, exact: true }).click()]);
    await page.waitForLoadState('load');
  }

  async function signOut(page: Page): Promise<void> {
    await page.goto('/home');
    await clickTo(page, 'Sign out', '/auth');
  }

  const me = (page: Page) =>
    page.evaluate(async () => (await fetch('/me', { headers: { Accept: 'application/json' } })).json());

  async function virtualAuthenticator(context: BrowserContext, page: Page): Promise<CDPSession> {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        ctap2Version: 'ctap2_1',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return cdp;
  }

  it('adds a passkey, signs in with the button and from the email field, as a second factor, and removes it', async () => {
    const context = await newContext(browser, server.url);
    const { page, problems } = await openPage(context);
    await virtualAuthenticator(context, page);
    const address = uniqueEmail('pk-browser');

    // An account, signed in with password + the emailed code.
    await page.goto('/register');
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill(PASSWORD);
    await clickTo(page, 'Create account', '/verify');
    await page.getByLabel('Code', { exact: true }).fill(await server.t.codeFor(address));
    await clickTo(page, 'Verify', '/home');

    // The security page offers a passkey (the script shows the button where WebAuthn exists).
    await page.goto('/account/security');
    const add = page.getByRole('button', { name: 'Add a passkey' });
    await add.waitFor();
    await expect(page.locator('#passkeys').textContent()).resolves.toContain('No passkey yet.');
    await expectAccessible(page, 'security page, no passkey');
    await page.locator('#passkey-new-name').fill('This laptop');
    await Promise.all([page.waitForURL(/\/account\/security\?passkey=added/), add.click()]);
    await page.waitForLoadState('load');
    await expect(page.locator('#passkey-list li strong').allTextContents()).resolves.toEqual(['This laptop']);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Your passkey was added.');
    await screenshot(page, 'security-passkey');
    await expectAccessible(page, 'security page, a passkey');
    expect((await mailMatching(server.t, address, /passkey was added/i)).text).toContain(address);

    // Signed out, the browser offers the passkey in the email field (conditional mediation); the
    // virtual authenticator picks it at once, as a person choosing it there would: signed in with
    // nothing typed.
    const signInPage = await server.t.agent().get('/auth').set('Accept', 'text/html');
    expect(signInPage.text).toContain('autocomplete="username webauthn"');
    await signOut(page);
    await waitForPath(page, '/home');
    await expect(me(page)).resolves.toMatchObject({ email: address, factors: ['passkey'], aal: 2 });

    // A browser without that offer (conditional mediation unavailable) shows the button instead.
    await context.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
    });
    await signOut(page);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor();
    await screenshot(page, 'sign-in-passkey');
    await expectAccessible(page, 'sign-in page with a passkey button');
    await clickTo(page, 'Sign in with a passkey', '/home');
    await expect(me(page)).resolves.toMatchObject({ email: address, factors: ['passkey'], aal: 2 });

    // The password is now followed by the passkey (the account's second factor).
    await signOut(page);
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill(PASSWORD);
    await clickTo(page, 'Continue', '/verify');
    await expect(page.locator('.intro').textContent()).resolves.toContain('Confirm with your passkey.');
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await expectAccessible(page, 'second-factor step with a passkey');
    await clickTo(page, 'Use a passkey', '/home');
    await expect(me(page)).resolves.toMatchObject({ factors: ['pwd', 'passkey'], aal: 2 });

    // Remove it (a form post; the sign-in is fresh).
    await page.goto('/account/security');
    await clickTo(page, 'Remove the passkey This laptop', '/account/security');
    await expect(page.locator('#passkeys').textContent()).resolves.toContain('No passkey yet.');
    expect((await mailMatching(server.t, address, /passkey was removed/i)).text).toContain(address);
    problems.expectNone();
    await context.close();
  });
});
