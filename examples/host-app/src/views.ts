import { fileURLToPath } from 'node:url';

/**
 * The host's own templates, laid over the package's with `ViewModule.forRoot({ overrides: [HOST_VIEWS_DIR] })`:
 * only what it changes (`pages/home.hbs`, `emails/code.*.hbs`). Every other template, partial and
 * message, and every later change to them, comes from the package. Ship `views/` beside the build.
 */
export const HOST_VIEWS_DIR = fileURLToPath(new URL('../views', import.meta.url));
