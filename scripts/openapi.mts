// Writes the OpenAPI document of the app's JSON routes to docs/openapi.json: keys sorted, 2-space
// indent, a final newline, as Prettier prints JSON (so `prettier --check` passes on it). The app is
// built from dist/ with a fixed environment (OPENAPI_BUILD_ENV: no Redis, no SMTP, nothing from
// process.env or .env), so the file is the same on every machine.
//
// --check writes nothing: it exits 1, saying where, when docs/openapi.json differs from a fresh
// document (CI's drift check). Compiled to dist/scripts/openapi.mjs; `npm run openapi` builds and
// runs it. Usage: npm run openapi [-- --check]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { format, resolveConfig } from 'prettier';

/** What this script uses of the build (dist/ is imported at run time, as the benchmark does). */
interface Built {
  createApp(env: Record<string, string | undefined>): Promise<INestApplication>;
  OPENAPI_BUILD_ENV: Readonly<Record<string, string>>;
  buildOpenApiDocument(app: INestApplication): OpenAPIObject;
  serializeOpenApiDocument(document: OpenAPIObject): string;
}

// This file runs as dist/scripts/openapi.mjs: the package root is two levels up.
const root = new URL('../../', import.meta.url);
const target = fileURLToPath(new URL('docs/openapi.json', root));
const shown = relative(process.cwd(), target) || target;
const check = process.argv.includes('--check');

async function loadBuild(): Promise<Built> {
  const dist = (path: string) => import(new URL(`dist/${path}`, root).href);
  try {
    const [setup, openapi] = await Promise.all([dist('app.setup.js'), dist('openapi.js')]);
    return { ...setup, ...openapi } as Built;
  } catch (err) {
    console.error(
      `Could not load the built app from dist/ (${(err as Error).message}). Run \`npm run build\` first, or use \`npm run openapi\`.`,
    );
    process.exit(2);
  }
}

/** The first line where two texts differ, with both versions of it, for the drift message. */
function firstDifference(committed: string, fresh: string): string {
  const a = committed.split('\n');
  const b = fresh.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  const show = (lines: string[]) => (at < lines.length ? lines[at].trim() : '(end of file)');
  return `line ${at + 1}:\n  committed: ${show(a)}\n  from code: ${show(b)}`;
}

const { createApp, OPENAPI_BUILD_ENV, buildOpenApiDocument, serializeOpenApiDocument } = await loadBuild();
const app = await createApp({ ...OPENAPI_BUILD_ENV });
let fresh: string;
try {
  await app.init();
  const json = serializeOpenApiDocument(buildOpenApiDocument(app));
  // Prettier only puts short arrays on one line; test/openapi.e2e-spec.ts formats the same way.
  fresh = await format(json, { ...(await resolveConfig(target)), filepath: target });
} finally {
  await app.close();
}

if (check) {
  const committed = existsSync(target) ? readFileSync(target, 'utf8') : null;
  if (committed === fresh) {
    console.log(`${shown} is up to date.`);
  } else {
    console.error(
      committed === null
        ? `${shown} is missing.`
        : `${shown} is out of date: the controllers and DTOs describe another API now. First difference, ${firstDifference(committed, fresh)}`,
    );
    console.error('Run `npm run openapi` and commit docs/openapi.json.');
    process.exitCode = 1;
  }
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, fresh);
  console.log(`Wrote ${shown}.`);
}
