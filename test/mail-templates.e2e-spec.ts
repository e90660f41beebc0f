import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/app.config.js';
import { MailService, type MailMessage } from '../src/mail/index.js';
import { DEFAULT_VIEWS_DIR } from '../src/view/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';

/**
 * Every mail template, in every language, rendered by the app's own MailService: the text and
 * HTML parts, escaping, links, images, inlined styles, and the subject-line option.
 */

const APP_URL = 'https://signin.example.test';
const LOCALES = ['en', 'fr'];
/** User text with every character that means something in HTML. */
const NASTY_TO = `o'brien+<x>@example.test`;
const CODE = '493817';

type Catalog = Record<string, string>;
const catalog = (locale: string): Catalog =>
  JSON.parse(readFileSync(join(DEFAULT_VIEWS_DIR, 'locales', `${locale}.json`), 'utf8')) as Catalog;

/** Every template under views/emails (each has .subject, .html and .text parts). */
const TEMPLATES = [
  ...new Set(
    readdirSync(join(DEFAULT_VIEWS_DIR, 'emails'))
      .filter((f) => f.endsWith('.subject.hbs'))
      .map((f) => f.replace(/\.subject\.hbs$/, '')),
  ),
].sort();

/** The sample cases: one per template and purpose. */
interface Case {
  name: string;
  template: string;
  context: (mail: MailService) => Record<string, unknown>;
  hasCode: boolean;
  /** The catalog key of the subject. */
  subject: string;
  /** For a mail without a code: the APP_URL page it links to, and the catalog key of its "not you" line. */
  link?: string;
  notYou?: string;
  /** A count the body must show. */
  count?: number;
}
const expiresAt = () => Date.now() + 10 * 60_000;
const CASES: Case[] = [
  {
    name: 'code (sign-in)',
    template: 'code',
    hasCode: true,
    subject: 'mail.code.subject.signIn',
    context: (m) => m.codeContext({ code: CODE, purpose: 'sign-in', expiresAt: expiresAt() }),
  },
  {
    name: 'code (sign-up)',
    template: 'code',
    hasCode: true,
    subject: 'mail.code.subject.signUp',
    context: (m) => m.codeContext({ code: CODE, purpose: 'sign-up', expiresAt: expiresAt() }),
  },
  {
    name: 'account-exists',
    template: 'account-exists',
    hasCode: false,
    subject: 'mail.exists.subject',
    link: '/auth',
    notYou: 'mail.exists.notYou',
    context: () => ({}),
  },
  ...['totpEnabled', 'totpDisabled', 'recoveryCodesCreated', 'recoveryCodeUsed'].map((kind) => ({
    name: `security-notice (${kind})`,
    template: 'security-notice',
    hasCode: false,
    subject: `mail.notice.${kind}.subject`,
    link: '/account/security',
    notYou: 'mail.notice.notYou',
    ...(kind === 'recoveryCodeUsed' ? { count: 7 } : {}),
    context: () => ({ kind, ...(kind === 'recoveryCodeUsed' ? { count: 7 } : {}) }),
  })),
];

/** What Handlebars' `{{ }}` makes of a string. */
const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"'`=]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' })[c]!,
  );

/** The `style` attribute of the innermost element whose text is exactly `text`. */
function styleAround(html: string, text: string): string | undefined {
  const re = new RegExp(`<(\\w+)\\b([^>]*)>\\s*${text}\\s*</\\1>`);
  return /style="([^"]*)"/.exec(re.exec(html)?.[2] ?? '')?.[1];
}

describe('mail templates', () => {
  let t: TestApp;
  let withCode: TestApp;
  let mail: MailService;

  beforeAll(async () => {
    [t, withCode] = await Promise.all([
      createTestApp({ APP_URL, AUTH_FIRST_FACTOR: 'email' }),
      createTestApp({ APP_URL, AUTH_FIRST_FACTOR: 'email', MAIL_CODE_IN_SUBJECT: 'true' }),
    ]);
    mail = t.app.get(MailService);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), withCode?.close()]);
  });

  it('covers every template in views/emails', () => {
    expect(TEMPLATES).toEqual([...new Set(CASES.map((c) => c.template))].sort());
    for (const template of TEMPLATES) {
      for (const part of ['subject', 'html', 'text']) {
        expect(
          () => readFileSync(join(DEFAULT_VIEWS_DIR, 'emails', `${template}.${part}.hbs`)),
          `${template}.${part}`,
        ).not.toThrow();
      }
    }
  });

  describe.each(LOCALES)('in %s', (locale) => {
    const messages = catalog(locale);
    const english = catalog('en');

    describe.each(CASES)('$name', (c) => {
      let m: MailMessage;
      beforeAll(() => {
        m = mail.render(c.template, NASTY_TO, c.context(mail), locale);
      });

      it('has a one-line subject, no code in it by default, in the right language', () => {
        expect(m.subject.length).toBeGreaterThan(5);
        expect(m.subject).not.toMatch(/[\r\n]/);
        expect(m.subject).not.toContain(CODE);
        expect(m.subject).toContain('Sign-in');
        expect(m.subject).toBe(messages[c.subject].replace('{product}', 'Sign-in'));
        // A subject is not HTML: no entities.
        expect(m.subject).not.toMatch(/&(#x?[0-9a-f]+|[a-z]+);/i);
      });

      it('the text part: the code, links to APP_URL, user text as typed (not HTML-escaped)', () => {
        if (c.hasCode) {
          expect(m.text).toMatch(new RegExp(`(^|\\s)${CODE}(\\s|$)`));
          expect(m.text).toContain(messages['mail.code.neverShare']);
          // When it expires: minutes and an absolute time.
          expect(m.text).toMatch(
            locale === 'fr' ? /dans 10 minutes, à \d{1,2}:\d{2}/ : /in 10 minutes, at \d{1,2}:\d{2}/,
          );
          // What to do if you did not ask for it, with the address it went to.
          expect(m.text).toContain(messages['mail.code.notYou'].replace('{email}', NASTY_TO));
        } else {
          expect(m.text).not.toMatch(/\b\d{6}\b/);
          expect(m.text).toContain(`${APP_URL}${c.link}`);
          expect(m.text).toContain(messages[c.notYou!]);
        }
        if (c.count !== undefined) expect(m.text).toMatch(new RegExp(`\\b${c.count}\\b`));
        expect(m.text).toContain(NASTY_TO);
        expect(m.text).not.toMatch(/&(#x?[0-9a-f]+|[a-z]+);/i);
        expect(m.text.replaceAll(NASTY_TO, '')).not.toMatch(/<[a-z/]/i); // no markup
        const urls = m.text.match(/https?:\/\/\S+/g) ?? [];
        expect(urls.length).toBeGreaterThan(0);
        for (const url of urls) expect(url.startsWith(APP_URL), url).toBe(true);
      });

      it('the HTML part: the code in large type, links to APP_URL, user text escaped', () => {
        expect(m.html).toMatch(new RegExp(`<html lang="${locale}">`));
        if (c.hasCode) {
          const style = styleAround(m.html, CODE);
          expect(style, 'the element holding the code').toBeDefined();
          const size = Number(/font-size:\s*(\d+)px/.exec(style!)?.[1]);
          expect(size).toBeGreaterThanOrEqual(24);
          expect(style).toMatch(/font-weight:\s*(bold|[6-9]00)/);
        }
        // User text is escaped wherever it appears.
        expect(m.html).toContain(escapeHtml(NASTY_TO));
        expect(m.html).not.toContain(NASTY_TO);
        expect(m.html).not.toContain('<x>');
        // The subject is the document's title (escaped like any text).
        expect(m.html).toContain(`<title>${escapeHtml(m.subject)}</title>`);
        const hrefs = [...m.html.matchAll(/href="([^"]*)"/g)].map((x) => x[1]);
        expect(hrefs.length).toBeGreaterThan(0);
        for (const href of hrefs) expect(href.startsWith(APP_URL), href).toBe(true);
      });

      it('the HTML part: no remote images or styles, CSS inlined, a dark-mode variant', () => {
        for (const img of m.html.match(/<img\b[^>]*>/gi) ?? []) expect(img).not.toMatch(/src="(https?:)?\/\//i);
        expect(m.html).not.toMatch(/url\(\s*['"]?(https?:)?\/\//i);
        expect(m.html).not.toMatch(/<link\b|@import/i);
        expect(m.html).not.toMatch(/<script\b/i);
        // Styles live on the elements (many clients drop <style>): every text element is styled.
        const body = m.html.slice(m.html.indexOf('<body'));
        const elements = body.match(/<(h1|h2|p|a|body)\b[^>]*>/g) ?? [];
        expect(elements.length).toBeGreaterThan(4);
        for (const el of elements) expect(el, 'inline style').toMatch(/\bstyle="[^"]+"/);
        // Readable in dark mode: the client may recolour it, and the <style> overrides ask for it.
        expect(m.html).toContain('<meta name="color-scheme" content="light dark">');
        expect(m.html).toMatch(/@media \(prefers-color-scheme: dark\)/);
      });

      it('is entirely in the language asked for: no placeholder or key left, no English in French', () => {
        for (const part of [m.subject, m.text, m.html]) {
          expect(part).not.toMatch(/\{(product|code|email|minutes|time|count)\}/);
          expect(part).not.toMatch(/\bmail\.(code|exists|footer|notice)\b/);
        }
        if (locale !== 'en') {
          for (const [key, text] of Object.entries(english)) {
            if (!key.startsWith('mail.') || text === messages[key]) continue;
            // Any fixed run of English words from the catalog must not show up.
            for (const piece of text
              .split(/\{\w+\}/)
              .map((s) => s.trim())
              .filter((s) => s.split(' ').length >= 3)) {
              expect(m.text, `${key} in English`).not.toContain(piece);
              expect(m.html, `${key} in English`).not.toContain(escapeHtml(piece));
            }
          }
        }
      });
    });
  });

  it('falls back to English for a language without a catalog, and for a regional variant uses the base language', () => {
    const context = mail.codeContext({ code: CODE, purpose: 'sign-in', expiresAt: expiresAt() });
    expect(mail.render('code', NASTY_TO, context, 'de-DE').subject).toBe('Your Sign-in sign-in code');
    expect(mail.render('code', NASTY_TO, context, 'fr-CA').subject).toBe('Votre code de connexion Sign-in');
  });

  it('MAIL_CODE_IN_SUBJECT=true puts the code in the subject of code mails only', () => {
    const withCodeMail = withCode.app.get(MailService);
    for (const locale of LOCALES) {
      for (const purpose of ['sign-in', 'sign-up']) {
        const m = withCodeMail.render(
          'code',
          NASTY_TO,
          withCodeMail.codeContext({ code: CODE, purpose, expiresAt: expiresAt() }),
          locale,
        );
        expect(m.subject).toBe(
          catalog(locale)['mail.code.subjectWithCode'].replace('{code}', CODE).replace('{product}', 'Sign-in'),
        );
      }
      expect(withCodeMail.render('account-exists', NASTY_TO, {}, locale).subject).not.toMatch(/\d{6}/);
    }
  });

  it('MAIL_CODE_IN_SUBJECT is validated at boot and defaults to false', () => {
    expect(loadConfig({}).mailCodeInSubject).toBe(false);
    expect(loadConfig({ MAIL_CODE_IN_SUBJECT: 'true' }).mailCodeInSubject).toBe(true);
    expect(loadConfig({ MAIL_CODE_IN_SUBJECT: 'false' }).mailCodeInSubject).toBe(false);
    expect(() => loadConfig({ MAIL_CODE_IN_SUBJECT: 'yes' })).toThrow(/MAIL_CODE_IN_SUBJECT must be true or false/);
    expect(t.config.mailCodeInSubject).toBe(false);
    expect(withCode.config.mailCodeInSubject).toBe(true);
  });

  it('delivered mails follow the setting, in the reader’s language', async () => {
    const plain = uniqueEmail('mail-plain');
    const coded = uniqueEmail('mail-coded');
    await t
      .agent()
      .post('/auth')
      .set('Accept-Language', 'fr-CH, fr;q=0.9, en;q=0.5')
      .send({ email: plain })
      .expect(200);
    await withCode.agent().post('/auth').send({ email: coded }).expect(200);
    const [a, b] = await Promise.all([t.mailTo(plain), withCode.mailTo(coded)]);
    expect(a.code).toMatch(/^\d{6}$/);
    expect(a.subject).not.toContain(a.code!);
    expect(a.subject).toBe('Confirmez votre adresse pour Sign-in');
    expect(a.html).toContain('<html lang="fr">');
    expect(b.subject).toBe(`${b.code} is your Sign-in code`);
    for (const m of [a, b]) {
      expect(m.html).toContain(`href="${APP_URL}"`);
      expect(m.text).toContain(APP_URL);
    }
  });
});
