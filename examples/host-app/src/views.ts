import { cp } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_VIEWS_DIR } from 'nest-mfa-signin';

/** The host's own templates: only the ones it changes (`pages/home.hbs`, `emails/code.*.hbs`). */
export const HOST_VIEW_OVERRIDES = fileURLToPath(new URL('../views', import.meta.url));

/**
 * Builds the folder `ViewModule` reads: a copy of the package's `views/` (layouts, partials, pages,
 * emails, locales) with the host's overriding templates copied over it. `ViewModule` compiles ONE
 * folder and has no fallback to the package's templates, so a folder holding only the overrides
 * would have no sign-in page, no layout and no catalog. Run it at build time (or before boot) and
 * point `VIEWS_DIR` at `into`.
 * @returns `into`
 */
export async function composeViews(into: string, overrides = HOST_VIEW_OVERRIDES): Promise<string> {
  await cp(DEFAULT_VIEWS_DIR, into, { recursive: true });
  await cp(overrides, into, { recursive: true, force: true });
  return into;
}
