/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailService } from '../../src/mail/index.js';
import { uniqueEmail } from '../support/app.js';
import { startRedisServer } from '../support/redis.js';
import {
  type BrowserServer,
  expectAccessible,
  expectAccessibleWithoutScript,
  expectStrictCsp,
  launchBrowser,
  newContext,
  openPage,
  screenshot,
  startServer,
  waitForPath,
  watch,
  wrongCode,
} from './harness.js';

/**
 * The other pages and the other ways people see them: error pages, the dev outbox, French, a phone, dark mode, the keyboard.
 * (Generous per-test time: a browser on a busy 2-core machine can be slow.)
 */
describe('browser, pages', { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: BrowserServer;
  /** No SMTP_URL: mails go to the development outbox. */
  let dev: BrowserServer;

  beforeAll(async () => {
    [browser, server, dev] = await Promise.all([
      launchBrowser(),
      startServer({ AUTH_FIRST_FACTOR: 'email' }),
      startServer({ AUTH_FIRST_FACTOR: 'password', SMTP_URL: undefined }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), dev?.close()]);
  });

  const noHorizontalScroll = (page: Page) =>
    page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth }));

  it('an unknown address gets the 404 page, with a way back', async () => {
    const context = await newContext(browser, server.url);
    const { page, problems } = await openPage(context);
    problems.allow(/status of 404 .*\/no-such-page\)$/);
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    expectStrictCsp(response!.headers());
    await expect(page.locator('h1').textContent()).resolves.toBe('Page not found');
    await expect(page.title()).resolves.toBe('Page not found · Sign-in');
    await screenshot(page, 'error-404');
    await expectAccessible(page, '404 page');
    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await waitForPath(page, '/auth');
    problems.expectNone();
    await context.close();
  });

  it('Redis down: a form post gets the 503 page (with Retry-After), in the reader’s language', async () => {
    const redis = await startRedisServer();
    const down = await startServer({ AUTH_FIRST_FACTOR: 'email', REDIS_URL: redis.url });
    try {
      const context = await newContext(browser, down.url, { javaScriptEnabled: false, locale: 'fr-FR' });
      const { page, problems } = await openPage(context);
      problems.allow(/status of 503 .*\/auth\)$/);
      await page.goto('/auth');
      await page.getByLabel('Adresse e-mail').fill(uniqueEmail('down'));
      await redis.stop();
      const answered = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.getByRole('button', { name: 'M’envoyer un code' }).click();
      const response = await answered;
      await page.waitForLoadState('load');
      expect(response.status()).toBe(503);
      expect(response.headers()['retry-after']).toMatch(/^\d+$/);
      await expect(page.locator('h1').textContent()).resolves.toBe('Service momentanément indisponible');
      await expect(page.title()).resolves.toBe('Service momentanément indisponible · Sign-in');
      await expect(page.locator('main').textContent()).resolves.toContain(
        'Le service est momentanément indisponible\u202f; réessayez bientôt',
      );
      await expect(page.getByRole('link', { name: 'Retour à la connexion' }).count()).resolves.toBe(1);
      await screenshot(page, 'error-503-fr');
      await expectAccessibleWithoutScript(page, '503 page');
      problems.expectNone();
      await context.close();
    } finally {
      await redis.start(); // so the app closes against a live server
      await down.close();
      await redis.stop();
    }
  });

  it('the development outbox lists the mail with its code', async () => {
    const context = await newContext(browser, dev.url);
    const { page, problems } = await openPage(context);
    const address = uniqueEmail('outbox');
    await page.goto('/register');
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitForPath(page, '/verify');

    const outbox = await context.newPage();
    const outboxProblems = watch(outbox);
    await expect
      .poll(async () => {
        await outbox.goto('/dev/outbox');
        return outbox.locator('article.mail').count();
      })
      .toBe(1);
    await expect(outbox.locator('h1').textContent()).resolves.toBe('Development outbox');
    const mail = outbox.locator('article.mail');
    await expect(mail.textContent()).resolves.toContain(address);
    const code = /\b(\d{6})\b/.exec((await mail.locator('pre').textContent()) ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await screenshot(outbox, 'outbox');
    await expectAccessible(outbox, 'development outbox');

    await page.getByLabel('Code', { exact: true }).fill(code!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await waitForPath(page, '/home');
    problems.expectNone();
    outboxProblems.expectNone();
    await context.close();
  });

  it('French readers get French pages, titles, errors and mail (Accept-Language)', async () => {
    const context = await newContext(browser, server.url, { locale: 'fr-FR' });
    const { page, problems } = await openPage(context);
    problems.allow(/status of (400|401)/);
    const address = uniqueEmail('fr');

    await page.goto('/auth');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await expect(page.locator('h1').textContent()).resolves.toBe('Connexion');
    await expect(page.title()).resolves.toBe('Connexion · Sign-in');
    await expect(page.getByRole('link', { name: 'Aller au contenu principal' }).count()).resolves.toBe(1);
    await screenshot(page, 'sign-in-fr');
    await expectAccessible(page, 'sign-in (French)');

    // A field error is in French too (not the validator's English), and focus goes to the field.
    await page.getByLabel('Adresse e-mail').fill('pas-une-adresse');
    await page.getByRole('button', { name: 'M’envoyer un code' }).click();
    await expect
      .poll(() => page.locator('#form-error').textContent())
      .toBe('Certains champs ne sont pas validesSaisissez une adresse e-mail, par exemple nom@exemple.fr');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('email');
    expect(await page.getByLabel('Adresse e-mail').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Adresse e-mail').fill(address);
    await page.getByRole('button', { name: 'M’envoyer un code' }).click();
    await waitForPath(page, '/verify');
    await expect(page.locator('h1').textContent()).resolves.toBe('Saisissez votre code');
    await expect(page.locator('.intro').textContent()).resolves.toMatch(
      /Nous avons envoyé un code à 6 chiffres à .+\. Il expire à /,
    );
    await expect
      .poll(() => page.locator('#resend-countdown').textContent())
      .toMatch(/^Vous pourrez demander un nouveau code dans \d+\u00a0s\.$/);

    const mail = await server.t.mailTo(address);
    // A first sign-in in email mode also creates the account: the mail asks to confirm the address.
    expect(mail.subject).toBe('Confirmez votre adresse pour Sign-in');
    expect(mail.text).toContain('Saisissez ce code sur la page qui l’a demandé');

    await page.getByLabel('Code', { exact: true }).fill(wrongCode(mail.code!));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await expect
      .poll(() => page.locator('#form-error').textContent())
      .toBe('Le code est incorrectIl vous reste 4 essais.');
    await screenshot(page, 'verify-error-fr');
    await expectAccessible(page, 'verify with an error (French)');

    await page.getByLabel('Code', { exact: true }).fill(mail.code!);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await waitForPath(page, '/home');
    await expect(page.locator('h1').textContent()).resolves.toBe('Vous êtes connecté');
    await expect(page.getByRole('button', { name: 'Se déconnecter' }).count()).resolves.toBe(1);
    await expect(page.title()).resolves.toBe('Accueil · Sign-in');
    problems.expectNone();
    await context.close();
  });

  it('a narrow phone: no horizontal scroll on any page, even with a long address', async () => {
    const context = await newContext(browser, server.url, {
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401/);
    // One long unbroken local part: the kind of text that pushes a layout wider than a phone.
    const address = uniqueEmail('averyveryverylongmailboxnameforthemobilelayouttest');

    await page.goto('/auth');
    expect(await noHorizontalScroll(page)).toEqual({ scrollWidth: 360, innerWidth: 360 });
    await screenshot(page, 'sign-in-mobile');
    await expectAccessible(page, 'sign-in (phone)');

    await page.getByLabel('Email').fill(address);
    await page.getByRole('button', { name: 'Email me a code' }).tap();
    await waitForPath(page, '/verify');
    const code = await server.t.codeFor(address);
    await page.getByLabel('Code', { exact: true }).fill(wrongCode(code));
    await page.getByRole('button', { name: 'Verify' }).tap();
    await page.locator('#form-error').waitFor({ state: 'visible' });
    expect(await noHorizontalScroll(page)).toEqual({ scrollWidth: 360, innerWidth: 360 });
    await screenshot(page, 'verify-mobile');
    await expectAccessible(page, 'verify with an error (phone)');

    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify' }).tap();
    await waitForPath(page, '/home');
    expect(await noHorizontalScroll(page)).toEqual({ scrollWidth: 360, innerWidth: 360 });
    await screenshot(page, 'home-mobile');

    // Touch targets: every button and text field is at least 44 px high (WCAG 2.5.8 asks 24).
    await page.goto('/auth');
    const heights = await page
      .locator('button, input:not([type="hidden"])')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    expect(heights.length).toBeGreaterThan(0);
    for (const h of heights) expect(h).toBeGreaterThanOrEqual(44);
    problems.expectNone();
    await context.close();
  });

  it('dark mode keeps enough contrast', async () => {
    const context = await newContext(browser, server.url, { colorScheme: 'dark' });
    const { page, problems } = await openPage(context);
    problems.allow(/status of 401/);
    await page.goto('/auth');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgb(244, 245, 247)'); // not the light background
    await screenshot(page, 'sign-in-dark');
    await expectAccessible(page, 'sign-in (dark)');

    const address = uniqueEmail('dark');
    await page.getByLabel('Email').fill(address);
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await waitForPath(page, '/verify');
    await page.getByLabel('Code', { exact: true }).fill(wrongCode(await server.t.codeFor(address)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#form-error').waitFor({ state: 'visible' });
    await screenshot(page, 'verify-error-dark');
    await expectAccessible(page, 'verify with an error (dark)');
    problems.expectNone();
    await context.close();
  });

  it('the code mail in a browser: the code in large type, accessible, light and dark', async () => {
    const mail = server.t.app.get(MailService);
    const message = mail.render(
      'code',
      'ada.lovelace@example.com',
      mail.codeContext({ code: '493817', purpose: 'sign-in', expiresAt: Date.now() + 600_000 }),
      'en',
    );
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await newContext(browser, server.url, { colorScheme, viewport: { width: 640, height: 560 } });
      const { page, problems } = await openPage(context);
      await page.setContent(message.html);
      const code = page.getByText('493817', { exact: true });
      const style = await code.evaluate((el) => {
        const s = getComputedStyle(el);
        return { size: parseFloat(s.fontSize), color: s.color, background: s.backgroundColor };
      });
      expect(style.size).toBeGreaterThanOrEqual(24);
      // The dark variant really applies (mail clients that honour prefers-color-scheme).
      expect(style.color).toBe(colorScheme === 'dark' ? 'rgb(255, 255, 255)' : 'rgb(31, 35, 40)');
      await screenshot(page, colorScheme === 'dark' ? 'mail-code-dark' : 'mail-code');
      await expectAccessible(page, `code mail (${colorScheme})`);
      problems.expectNone();
      await context.close();
    }
  });

  it('keyboard: the skip link comes first and leads to the form; the form works with Enter', async () => {
    const context = await newContext(browser, server.url);
    const { page, problems } = await openPage(context);
    await page.goto('/auth');
    // Start where a keyboard user starts: at the top of the document. Wait for the email field's
    // autofocus first, or it may land after the reset and steal the Tab.
    await page.waitForFunction(() => document.activeElement?.id === 'email');
    // A click on the page's top-left corner moves the focus navigation starting point there.
    await page.mouse.click(2, 2);
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => ({
      text: document.activeElement?.textContent,
      href: document.activeElement?.getAttribute('href'),
    }));
    expect(skip).toEqual({ text: 'Skip to main content', href: '#main' });
    // The focused skip link is on screen (not left at -9999px).
    const box = await page.locator('a.skip').boundingBox();
    expect(box && box.x >= 0 && box.y >= 0).toBe(true);
    await screenshot(page, 'sign-in-skip-link');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('email');

    const address = uniqueEmail('keyboard');
    await page.keyboard.type(address);
    await page.keyboard.press('Enter');
    await waitForPath(page, '/verify');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
    await page.keyboard.type(await server.t.codeFor(address));
    await page.keyboard.press('Enter');
    await waitForPath(page, '/home');
    problems.expectNone();
    await context.close();
  });
});
