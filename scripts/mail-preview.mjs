#!/usr/bin/env node
// Writes every mail template, rendered with sample data, in every language, to mail-preview/:
// <name>.<locale>.html (open in a browser), .txt (the plain-text part) and .eml (the whole
// message, for a mail client), plus an index.html linking them. Renders with the app's own
// MailService from dist/ (run `npm run build` first; `npm run mail:preview` does both).
//
// Reads the same configuration as the server (APP_URL, MAIL_FROM, MAIL_CODE_IN_SUBJECT,
// OTP_TTL_SECONDS, and .env when present). Usage: node scripts/mail-preview.mjs [outDir]
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);

let modules;
try {
  modules = await Promise.all([dist('config/app.config.js'), dist('view/index.js'), dist('mail/mail.service.js')]);
} catch (err) {
  console.error(
    `Could not load the built app from dist/ (${err.message}). Run \`npm run build\` first, or use \`npm run mail:preview\`.`,
  );
  process.exit(1);
}
const [{ loadConfig, loadDotEnv }, { ViewRenderer, DEFAULT_VIEWS_DIR }, { MailService }] = modules;

loadDotEnv(join(root, '.env'));
const config = loadConfig(process.env);
const views = new ViewRenderer({ site: { name: 'Sign-in', appUrl: config.appUrl } });
// Rendering needs no dispatcher: nothing is sent.
const mail = new MailService(views, null, {
  transport: 'outbox',
  appUrl: config.appUrl,
  codeInSubject: config.mailCodeInSubject,
});

const SAMPLE_TO = 'ada.lovelace@example.com';
const SAMPLE_CODE = '493817';
const expiresAt = Date.now() + config.otp.ttlSeconds * 1000;

/** Sample data for each template (a template without an entry here is rendered with none). */
const samples = {
  code: [
    { suffix: 'sign-in', context: mail.codeContext({ code: SAMPLE_CODE, purpose: 'sign-in', expiresAt }) },
    { suffix: 'sign-up', context: mail.codeContext({ code: SAMPLE_CODE, purpose: 'sign-up', expiresAt }) },
  ],
};

const templates = [
  ...new Set(
    readdirSync(join(DEFAULT_VIEWS_DIR, 'emails'))
      .filter((f) => f.endsWith('.subject.hbs'))
      .map((f) => f.replace(/\.subject\.hbs$/, '')),
  ),
].sort();

const outDir = resolve(process.argv[2] ?? join(root, 'mail-preview'));
mkdirSync(outDir, { recursive: true });

const escape = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const rows = [];
const written = [];
for (const template of templates) {
  for (const { suffix, context } of samples[template] ?? [{ suffix: '', context: {} }]) {
    for (const locale of views.i18n.locales) {
      const name = `${template}${suffix ? `-${suffix}` : ''}.${locale}`;
      const message = mail.render(template, SAMPLE_TO, context, locale);
      const eml = await new MailComposer({
        from: config.mailFrom,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      })
        .compile()
        .build();
      const files = { html: message.html, txt: message.text, eml };
      for (const [ext, body] of Object.entries(files)) {
        const path = join(outDir, `${name}.${ext}`);
        writeFileSync(path, body);
        written.push(path);
      }
      rows.push(
        `<tr><td>${escape(name)}</td><td>${escape(message.subject)}</td>` +
          `<td><a href="${name}.html">HTML</a> · <a href="${name}.txt">text</a> · <a href="${name}.eml">.eml</a></td></tr>`,
      );
    }
  }
}

const index = join(outDir, 'index.html');
writeFileSync(
  index,
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>Mail previews</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem}td,th{padding:4px 12px;text-align:left;border-bottom:1px solid #ddd}</style>
<h1>Mail previews</h1><p>APP_URL ${escape(config.appUrl)} · code in subject: ${config.mailCodeInSubject}</p>
<table><tr><th>mail</th><th>subject</th><th>files</th></tr>
${rows.join('\n')}
</table></html>\n`,
);
written.push(index);

for (const path of written) console.log(relative(process.cwd(), path) || path);
console.log(`${written.length} files in ${relative(process.cwd(), outDir) || outDir}`);
