/// <reference lib="dom" />
// Callbacks passed to page.evaluate() run in the browser: they use DOM types.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Clock } from '../../src/clock/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/redis.js';

/**
 * Shared pieces of the browser suites: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), the app listening on a loopback port, axe-core, console/CSP watchers
 * and screenshots for docs/screenshots.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Where each test saves its screenshot: test/.artifacts/screenshots (git-ignored) by default, so a
 * test run leaves the tree clean; `npm run screenshots` sets $SCREENSHOTS_DIR to docs/screenshots.
 */
export const SCREENSHOTS_DIR = process.env.SCREENSHOTS_DIR
  ? resolve(process.env.SCREENSHOTS_DIR)
  : join(ROOT, 'test', '.artifacts', 'screenshots');

/** Chromium from $CHROMIUM_PATH or PATH (`apt-get install chromium`). */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // try the next name
    }
  }
  throw new Error('Chromium is needed for the browser tests: sudo apt-get install -y chromium (or set CHROMIUM_PATH)');
}

/** One headless Chromium per test file. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** The app as main.ts builds it, listening on a loopback port that APP_URL names. */
export interface BrowserServer {
  t: TestApp;
  /** `http://127.0.0.1:<port>` or `http://localhost:<port>` (also APP_URL). */
  url: string;
  close(): Promise<void>;
}

/**
 * @param options.hostname the host APP_URL names (default `127.0.0.1`; passkeys need a domain such
 * as `localhost`, which the browser resolves to loopback); `clock` as in `createTestApp`.
 */
export async function startServer(
  env: Record<string, string | undefined> = {},
  options: { hostname?: string; clock?: Clock } = {},
): Promise<BrowserServer> {
  for (let attempt = 1; ; attempt++) {
    // APP_URL must name the port before the app is built, so pick a free one first.
    const port = await freePort();
    const url = `http://${options.hostname ?? '127.0.0.1'}:${port}`;
    const t = await createTestApp({ PORT: String(port), APP_URL: url, ...env }, { clock: options.clock });
    try {
      await t.app.listen(port, '127.0.0.1');
      return { t, url, close: () => t.close() };
    } catch (err) {
      await t.close();
      // Someone took the port between freePort() and listen(): try another.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 3) throw err;
    }
  }
}

/** Desktop defaults: a fixed viewport so screenshots stay comparable. */
export const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1024, height: 768 },
  deviceScaleFactor: 1,
  locale: 'en-GB',
  timezoneId: 'UTC',
  colorScheme: 'light',
  reducedMotion: 'reduce',
};

/** A fresh context (cookie jar) with `baseURL` set; every page in it is watched (see {@link watch}). */
export async function newContext(
  browser: Browser,
  baseURL: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ ...DESKTOP, ...options, baseURL });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  // Report CSP violations as console errors too (an init script runs outside the page's CSP).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  return context;
}

/** Console errors, page errors, CSP violations and pages served without the strict CSP, seen by a page. */
export interface PageProblems {
  errors: string[];
  /** Drops the entries matching `pattern` (an expected failed fetch, e.g. a 401 after a wrong code). */
  allow(pattern: RegExp): void;
  /** Asserts nothing unexpected happened so far. */
  expectNone(): void;
}

export function watch(page: Page): PageProblems {
  const errors: string[] = [];
  const allowed: RegExp[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy|CSP violation/i.test(msg.text())) {
      errors.push(`console: ${msg.text()} (${msg.location().url || page.url()})`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  // Every page the app serves (redirects included) carries the strict CSP.
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'document' || !res.url().startsWith('http')) return;
    const csp = res.headers()['content-security-policy'] ?? '';
    if (!csp || /unsafe-inline|unsafe-eval/.test(csp) || !csp.includes("frame-ancestors 'none'")) {
      errors.push(`weak or missing CSP on ${res.status()} ${res.url()}: ${csp || '(none)'}`);
    }
  });
  return {
    errors,
    allow: (pattern) => allowed.push(pattern),
    expectNone: () => expect(errors.filter((e) => !allowed.some((p) => p.test(e)))).toEqual([]),
  };
}

/** A new page in `context`, with its problems watched. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  return { page, problems: watch(page) };
}

/** Saves a full-page screenshot as docs/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  // Caret blinking and focus rings are the only motion on these pages: hide the caret for stable images.
  await page.screenshot({
    path: join(SCREENSHOTS_DIR, `${name}.png`),
    fullPage: true,
    caret: 'hide',
    animations: 'disabled',
  });
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;
/** axe-core's browser bundle, injected with page.evaluate: a script tag would be an inline script the CSP refuses. */
function axeScript(): string {
  axeSource ??= readFileSync(join(dirname(require.resolve('axe-core/package.json')), 'axe.min.js'), 'utf8');
  return axeSource;
}

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.2 AA) on the page and asserts no violation at all. */
export async function expectAccessible(page: Page, label: string): Promise<AxeViolation[]> {
  await page.evaluate(axeScript());
  const violations = await page.evaluate(async (tags) => {
    const axe = (
      window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  }, WCAG_TAGS);
  // Every violation fails, whatever its impact (minor ones too): the pages are axe-clean.
  const describe = (v: AxeViolation) =>
    `${label}: [${v.impact}] ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`;
  expect(violations.map(describe), `axe on ${label}`).toEqual([]);
  return violations;
}

/**
 * axe-core on a page loaded with JavaScript off (axe cannot run there): the same HTML is served
 * again, from memory, to a scripted page whose app.js is empty, and checked there.
 */
export async function expectAccessibleWithoutScript(page: Page, label: string): Promise<AxeViolation[]> {
  const browser = page.context().browser();
  if (!browser) throw new Error('no browser');
  const html = await page.content();
  const url = page.url();
  const context = await browser.newContext({ ...DESKTOP, viewport: page.viewportSize() ?? DESKTOP.viewport });
  try {
    await context.route('**/*', (route) => {
      const requested = route.request().url();
      if (requested === url) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      if (new URL(requested).pathname === '/assets/app.js')
        return route.fulfill({ contentType: 'text/javascript', body: '' });
      return route.continue();
    });
    const copy = await context.newPage();
    await copy.goto(url);
    return await expectAccessible(copy, label);
  } finally {
    await context.close();
  }
}

/** Asserts the page's response carries a strict CSP (no 'unsafe-inline', no framing). */
export function expectStrictCsp(headers: Record<string, string>): void {
  const csp = headers['content-security-policy'];
  expect(csp, 'Content-Security-Policy header').toBeTruthy();
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(csp).toMatch(/script-src 'self'/);
}

/** A code of the same length that is surely not `code`. */
export function wrongCode(code: string): string {
  const last = Number(code.at(-1));
  return code.slice(0, -1) + String((last + 1) % 10);
}

/** `123456` -> `123 456` (or with another separator), as people copy codes from mails. */
export function spaced(code: string, sep = ' '): string {
  const half = Math.floor(code.length / 2);
  return `${code.slice(0, half)}${sep}${code.slice(half)}`;
}

/** Waits until the page's path is `path` (after a JS navigation or a redirect). */
export async function waitForPath(page: Page, path: string): Promise<void> {
  await page.waitForURL((u) => u.pathname === path, { timeout: 20_000 });
}
