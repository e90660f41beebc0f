/**
 * The account pages in both locales, without JavaScript: each page a signed-in person (or a reset in
 * progress) opens answers in the reader's language (`lang`, title, heading), not the other one's.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { HTML_ACCEPT, PASSWORD, seedAccount, signInWithPasswordAndEmail } from './support/mfa.js';

type Catalog = Record<string, string>;
const catalog = (locale: string): Catalog =>
  JSON.parse(readFileSync(new URL(`../views/locales/${locale}.json`, import.meta.url), 'utf8')) as Catalog;
const CATALOGS: Record<string, Catalog> = { en: catalog('en'), fr: catalog('fr') };
const html = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Each page and the catalog key of its title. */
const SIGNED_IN_PAGES: [path: string, title: string][] = [
  ['/account/security', 'security.title'],
  ['/account/sessions', 'sessions.title'],
  ['/account/activity', 'activity.title'],
  ['/account/password', 'change.title'],
];

describe('account pages in English and French (password mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  function expectLocale(page: { status: number; text: string }, locale: string, titleKey: string, label: string) {
    const other = locale === 'en' ? 'fr' : 'en';
    expect(page.status, label).toBe(200);
    expect(page.text, label).toContain(`<html lang="${locale}">`);
    const title = /<title>([\s\S]*?)<\/title>/.exec(page.text)?.[1] ?? '';
    expect(title, label).toContain(html(CATALOGS[locale][titleKey]));
    const h1 = /<h1>([\s\S]*?)<\/h1>/.exec(page.text)?.[1] ?? '';
    expect(h1, label).toContain(html(CATALOGS[locale][titleKey]));
    expect(h1, label).not.toContain(html(CATALOGS[other][titleKey]));
  }

  it('the signed-in account pages', async () => {
    const email = uniqueEmail('pages-locales');
    await seedAccount(t, email);
    const agent = t.agent();
    await signInWithPasswordAndEmail(t, agent, email);
    for (const locale of ['en', 'fr']) {
      for (const [path, title] of SIGNED_IN_PAGES) {
        const page = await agent.get(path).set('Accept', HTML_ACCEPT).set('Accept-Language', locale);
        expectLocale(page, locale, title, `${locale} ${path}`);
      }
    }
  });

  it('the pages of a reset and of "this wasn’t me"', async () => {
    const email = uniqueEmail('pages-locales-reset');
    await seedAccount(t, email, PASSWORD);
    for (const locale of ['en', 'fr']) {
      const agent = t.agent();
      const get = (path: string) => agent.get(path).set('Accept', HTML_ACCEPT).set('Accept-Language', locale);
      expectLocale(await get('/password/forgot'), locale, 'forgot.title', `${locale} forgot`);
      expectLocale(await get('/account/not-me?t=x'), locale, 'notMe.title', `${locale} not-me`);
      await new Promise((r) => setTimeout(r, 1100)); // OTP_RESEND_SECONDS=1
      expect((await agent.post('/password/forgot').send({ email })).status).toBe(200);
      const reset = await get('/password/reset');
      expectLocale(reset, locale, 'reset.title', `${locale} reset`);
      expect(reset.text).toContain(html(CATALOGS[locale]['reset.submit']));
    }
  });
});
