import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { NOT_A_FIELD } from '../http/index.js';
import { Translator } from './translator.js';
import { VIEW_MODULE_OPTIONS, type ViewModuleOptions } from './view.module-definition.js';

/** The project's `views/` folder, from `src/view` and `dist/view` alike. */
export const DEFAULT_VIEWS_DIR = fileURLToPath(new URL('../../views', import.meta.url));

/** The project's `public/` folder (stylesheet, script, icon), served at `/assets/`. */
export const PUBLIC_ASSETS_DIR = fileURLToPath(new URL('../../public', import.meta.url));

/**
 * Renders the Handlebars templates under `views/`: every template is compiled once, at start-up.
 * `{{ }}` escapes; templates never put user data in triple braces. Text comes from the message
 * catalogs through `{{t "key" name=value}}`, in the locale of `@root.locale`.
 */
@Injectable()
export class ViewRenderer {
  protected readonly hbs = Handlebars.create();
  protected readonly templates = new Map<string, Handlebars.TemplateDelegate>();
  /** Template sources by name, for {@link inLayout}. */
  protected readonly sources = new Map<string, string>();
  /** Page-in-layout templates by `layout|page` (undefined: the layout cannot hold the page as a partial). */
  protected readonly layouts = new Map<string, Handlebars.TemplateDelegate | undefined>();
  protected readonly site: Record<string, unknown>;
  /** The message catalogs of `views/locales`. */
  readonly i18n: Translator;

  constructor(@Inject(VIEW_MODULE_OPTIONS) options: ViewModuleOptions) {
    // Later folders win: the package's views, then each override folder.
    const dirs = [options.viewsDir ?? DEFAULT_VIEWS_DIR, ...(options.overrides ?? [])];
    this.site = options.site ?? {};
    this.i18n = new Translator(
      dirs.map((d) => join(d, 'locales')),
      options.defaultLocale ?? 'en',
    );
    this.registerHelpers();
    for (const dir of dirs) {
      for (const file of walk(join(dir, 'partials'))) {
        this.hbs.registerPartial(templateName(dir, 'partials', file), readFileSync(file, 'utf8'));
      }
      for (const sub of ['layouts', 'pages', 'emails']) {
        for (const file of walk(join(dir, sub))) {
          const name = `${sub}/${templateName(dir, sub, file)}`;
          // Plain-text mail parts and subjects are not HTML: escaping would show `&amp;` to the reader.
          const noEscape = /\.(text|subject)$/.test(name);
          const source = readFileSync(file, 'utf8');
          this.sources.set(name, source);
          this.templates.set(name, this.hbs.compile(source, { strict: false, noEscape }));
        }
      }
    }
  }

  /** True when `name` (e.g. `pages/sign-in`) exists. */
  has(name: string): boolean {
    return this.templates.has(name);
  }

  /**
   * Renders `name` with `context`; with `layout` (e.g. `layouts/main`) the result becomes its `{{> body}}`.
   * @throws Error when a template is missing.
   */
  render(name: string, context: Record<string, unknown>, layout?: string): string {
    const locale = typeof context.locale === 'string' ? context.locale : this.i18n.defaultLocale;
    const data = { ...context, locale, site: this.site };
    if (!layout) return this.get(name)(data);
    const whole = this.inLayout(name, layout);
    if (whole) return whole(data);
    return this.get(layout)({ ...data, body: new Handlebars.SafeString(this.get(name)(data)) });
  }

  /**
   * `layout` with `name` as a partial in place of its `{{body}}`: one template call per page instead
   * of two (each call wraps every helper anew). Undefined when the layout uses `body` otherwise.
   */
  protected inLayout(name: string, layout: string): Handlebars.TemplateDelegate | undefined {
    const key = `${layout}|${name}`;
    if (this.layouts.has(key)) return this.layouts.get(key);
    const source = this.sources.get(layout);
    const page = this.sources.get(name);
    let whole: Handlebars.TemplateDelegate | undefined;
    if (source !== undefined && page !== undefined && (source.match(/\{\{[^}]*\bbody\b/g) ?? []).length === 1) {
      const slot = /\{\{\s*body\s*\}\}/;
      if (slot.test(source)) {
        const partial = `page:${name}`;
        this.hbs.registerPartial(partial, page);
        // `preventIndent`: the page's text is not indented like the line that held `{{body}}`.
        const noEscape = /\.(text|subject)$/.test(layout);
        whole = this.hbs.compile(source.replace(slot, `{{> "${partial}"}}`), {
          strict: false,
          noEscape,
          preventIndent: true,
        });
      }
    }
    this.layouts.set(key, whole);
    return whole;
  }

  protected get(name: string): Handlebars.TemplateDelegate {
    const t = this.templates.get(name);
    if (!t) throw new Error(`No template ${name}`);
    return t;
  }

  protected registerHelpers() {
    const i18n = () => this.i18n;
    const localeOf = (options: Handlebars.HelperOptions) => {
      const root = (options.data as { root?: { locale?: unknown } } | undefined)?.root;
      return typeof root?.locale === 'string' ? root.locale : i18n().defaultLocale;
    };
    this.hbs.registerHelper('t', (key: string, options: Handlebars.HelperOptions) =>
      i18n().t(localeOf(options), key, options.hash as Record<string, unknown>),
    );
    // An error's text in the reader's language, falling back to the API message.
    this.hbs.registerHelper(
      'errorText',
      (error: { error?: string; message?: string } | undefined, options: Handlebars.HelperOptions) => {
        const key = `error.${error?.error ?? 'generic'}`;
        return i18n().has(localeOf(options), key) ? i18n().t(localeOf(options), key) : (error?.message ?? '');
      },
    );
    // A field's problem in the reader's language, from a `details` entry (or a field name); a field
    // the route does not take (an unknown or forged one, whatever its name: `name`, `other`...) gets
    // the generic sentence naming it, never a raw message key nor another field's sentence.
    this.hbs.registerHelper('fieldError', (detail: unknown, options: Handlebars.HelperOptions) => {
      const locale = localeOf(options);
      const { field, problems } = (typeof detail === 'object' && detail ? detail : { field: detail }) as {
        field?: unknown;
        problems?: unknown;
      };
      const notTaken = Array.isArray(problems) && problems.some((p) => String(p).endsWith(NOT_A_FIELD));
      const key = `error.field.${String(field)}`;
      return !notTaken && i18n().has(locale, key)
        ? i18n().t(locale, key)
        : i18n().t(locale, 'error.field.other', { field: String(field) });
    });
    // A factor's name (`factor.<id>` in the catalog, else its id: a host app's own factor may have none).
    const factorName = (locale: string, id: unknown) =>
      i18n().has(locale, `factor.${String(id)}`) ? i18n().t(locale, `factor.${String(id)}`) : String(id);
    this.hbs.registerHelper('factorName', (id: unknown, options: Handlebars.HelperOptions) =>
      factorName(localeOf(options), id),
    );
    // The names of factors joined as the reader's language joins a list.
    this.hbs.registerHelper('factorList', (ids: unknown, options: Handlebars.HelperOptions) => {
      const locale = localeOf(options);
      return i18n().list(
        locale,
        (Array.isArray(ids) ? ids : []).map((id) => factorName(locale, id)),
      );
    });
    // An event's readable name (`event.<name>` in the catalog, else the name itself).
    this.hbs.registerHelper('eventName', (name: unknown, options: Handlebars.HelperOptions) => {
      const locale = localeOf(options);
      const key = `event.${String(name)}`;
      return i18n().has(locale, key) ? i18n().t(locale, key) : String(name);
    });
    this.hbs.registerHelper('has', (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item));
    // `(oneOf x "a" "b")`: x is one of the listed values.
    this.hbs.registerHelper('oneOf', (value: unknown, ...rest: unknown[]) => rest.slice(0, -1).includes(value));
    this.hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    this.hbs.registerHelper('time', (epochMs: number, options: Handlebars.HelperOptions) =>
      i18n().time(localeOf(options), epochMs),
    );
    this.hbs.registerHelper('dateTime', (epochMs: number, options: Handlebars.HelperOptions) =>
      i18n().dateTime(localeOf(options), epochMs),
    );
    this.hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    // An ISO date as epoch ms, for `time`.
    this.hbs.registerHelper('ms', (iso: unknown) => Date.parse(String(iso)));
    this.hbs.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
    // Objects the renderer hands out again and again (a locale's page-script messages) are
    // serialized once: they are never changed after they are made.
    const serialized = new WeakMap<object, Handlebars.SafeString>();
    this.hbs.registerHelper('json', (v: unknown) => {
      const known = typeof v === 'object' && v !== null && Object.isFrozen(v) ? serialized.get(v) : undefined;
      if (known) return known;
      // Safe inside <script type="application/json">: no way to close the element.
      const out = new Handlebars.SafeString(JSON.stringify(v ?? null).replace(/</g, '\\u003c'));
      if (typeof v === 'object' && v !== null && Object.isFrozen(v)) serialized.set(v, out);
      return out;
    });
  }
}

function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.hbs') ? [p] : [];
  });
}

function templateName(root: string, sub: string, file: string): string {
  return relative(join(root, sub), file)
    .split(sep)
    .join('/')
    .replace(/\.hbs$/, '');
}
