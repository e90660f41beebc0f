import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from 'express';

type Catalog = Record<string, string>;

/**
 * Message catalogs (`views/locales/<locale>.json`, flat keys) and locale negotiation.
 * Lookups fall back along `fr-CA` -> `fr` -> the default locale -> the key itself.
 */
export class Translator {
  protected readonly catalogs = new Map<string, Catalog>();
  private readonly resolvedCatalogs = new Map<string, Catalog>();
  private readonly picked = new Map<string, Catalog>();
  private readonly timeFormats = new Map<string, Intl.DateTimeFormat>();
  private readonly dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
  private readonly listFormats = new Map<string, Intl.ListFormat>();

  /** @param localesDirs one folder of `<locale>.json` catalogs, or several: a key in a later one wins. */
  constructor(
    localesDirs: string | string[],
    readonly defaultLocale = 'en',
  ) {
    for (const dir of ([] as string[]).concat(localesDirs)) {
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => f.endsWith('.json'));
      } catch {
        files = [];
      }
      for (const f of files) {
        const locale = f.replace(/\.json$/, '').toLowerCase();
        const catalog = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Catalog;
        this.catalogs.set(locale, { ...this.catalogs.get(locale), ...catalog });
      }
    }
    if (!this.catalogs.has(defaultLocale)) this.catalogs.set(defaultLocale, {});
  }

  /** Locales with a catalog, e.g. `['en', 'fr']`. */
  get locales(): string[] {
    return [...this.catalogs.keys()];
  }

  /** The best locale for a request, from `Accept-Language` (quality order), else the default. */
  negotiate(req: Pick<Request, 'acceptsLanguages'> | undefined): string {
    return this.negotiateTags(req ? req.acceptsLanguages() : []);
  }

  /** The best locale for language tags in preference order (e.g. `['fr-CA', 'en']`), else the default. */
  negotiateTags(tags: readonly string[]): string {
    for (const tag of tags) {
      const resolved = this.resolve(tag);
      if (resolved) return resolved;
    }
    return this.defaultLocale;
  }

  /** The catalog locale for a tag (`fr-CA` -> `fr`), or undefined. */
  resolve(tag: string | undefined): string | undefined {
    if (!tag || tag === '*') return undefined;
    const lower = tag.toLowerCase();
    if (this.catalogs.has(lower)) return lower;
    const base = lower.split('-')[0];
    return this.catalogs.has(base) ? base : undefined;
  }

  /** True when some catalog in the chain has `key`. */
  has(locale: string, key: string): boolean {
    return this.lookup(locale, key) !== undefined;
  }

  /** The message for `key` with `{name}` placeholders filled from `params`. */
  t(locale: string, key: string, params: Record<string, unknown> = {}): string {
    const message = this.lookup(locale, key) ?? key;
    if (!message.includes('{')) return message;
    return message.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  }

  /** The messages whose keys start with one of `prefixes`, resolved for `locale` (for the page script); frozen, one object per locale and prefixes. */
  pick(locale: string, prefixes: string[]): Catalog {
    const memo = `${locale}|${prefixes.join(',')}`;
    let out = this.picked.get(memo);
    if (!out) {
      out = {};
      for (const key of Object.keys(this.catalogs.get(this.defaultLocale) ?? {})) {
        if (prefixes.some((p) => key.startsWith(p))) out[key] = this.lookup(locale, key) ?? key;
      }
      // Frozen: the same object is handed to every page, and its JSON is cached (see ViewRenderer).
      Object.freeze(out);
      this.picked.set(memo, out);
    }
    return out;
  }

  /**
   * A date and time as people of `locale` read it, in UTC (`30 Nov 2026, 09:45 UTC`): for events
   * that may be days old (security notices, activity, sessions, passkeys).
   */
  dateTime(locale: string, epochMs: number): string {
    return this.format(this.dateTimeFormats, locale, { year: 'numeric', month: 'short', day: 'numeric' }, epochMs);
  }

  /** A time of day as people of `locale` read it, in UTC (the server does not know the reader's zone). */
  time(locale: string, epochMs: number): string {
    return this.format(this.timeFormats, locale, {}, epochMs);
  }

  /** Formats with `locale`'s hours and minutes in UTC plus `extra`, the formatter kept in `cache`. */
  private format(
    cache: Map<string, Intl.DateTimeFormat>,
    locale: string,
    extra: Intl.DateTimeFormatOptions,
    epochMs: number,
  ): string {
    let format = cache.get(locale);
    if (!format) {
      const options = { ...extra, hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' } as const;
      format = new Intl.DateTimeFormat(locale, options);
      cache.set(locale, format);
    }
    return format.format(epochMs);
  }

  /** Items joined as people of `locale` join a list ("a, b and c"). */
  list(locale: string, items: string[]): string {
    let format = this.listFormats.get(locale);
    if (!format) {
      format = new Intl.ListFormat(locale, { type: 'conjunction' });
      this.listFormats.set(locale, format);
    }
    return format.format(items);
  }

  protected lookup(locale: string, key: string): string | undefined {
    let resolved = this.resolvedCatalogs.get(locale);
    if (!resolved) {
      // The fallback chain folded into one catalog per locale, once.
      const chain = [this.defaultLocale, locale.split('-')[0], locale].map((l) => this.catalogs.get(l) ?? {});
      resolved = Object.assign({}, ...chain) as Catalog;
      this.resolvedCatalogs.set(locale, resolved);
    }
    return Object.hasOwn(resolved, key) ? resolved[key] : undefined;
  }
}
