import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { format, resolveConfig } from 'prettier';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.setup.js';
import { buildOpenApiDocument, OPENAPI_BUILD_ENV, serializeOpenApiDocument } from '../src/openapi.js';
import { createTestApp, type TestApp } from './support/app.js';
import { registeredRoutes } from './support/routes.js';

/**
 * The OpenAPI document: `docs/openapi.json` is what the code describes now (the drift check that
 * `npm run openapi -- --check` runs in CI, here from the sources), it covers every JSON route the
 * app registers, and Swagger UI is served at `/docs` outside production only.
 */

const COMMITTED = new URL('../docs/openapi.json', import.meta.url);

/** The document as `npm run openapi` writes it: serialized, then printed by Prettier (scripts/openapi.mts). */
async function asCommitted(doc: OpenAPIObject): Promise<string> {
  const path = fileURLToPath(COMMITTED);
  return format(serializeOpenApiDocument(doc), { ...(await resolveConfig(path)), filepath: path });
}

/** The routes that answer pages (HTML, or a redirect to one), left out of the document on purpose. */
const PAGES = [
  'GET /',
  'GET /account/not-me',
  'GET /account/password',
  'GET /account/security',
  'GET /auth',
  'GET /home',
  'GET /password/forgot',
  'GET /password/reset',
  'GET /register',
  'GET /step-up',
  'GET /verify',
  'GET /verify/link',
];

/** Form-only twins of documented JSON routes (HTML forms cannot send DELETE): left out like pages. */
const FORM_ONLY = [
  'POST /account/sessions/{id}/end',
  'POST /account/passkeys/{id}/rename',
  'POST /account/passkeys/{id}/remove',
];

const isDocsRoute = (route: string) => / \/docs(\/|$)/.test(route);

function documentedRoutes(doc: OpenAPIObject): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('OpenAPI document', () => {
  let app: NestExpressApplication;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    // Built as `npm run openapi` builds it (scripts/openapi.mts).
    app = await createApp({ ...OPENAPI_BUILD_ENV });
    await app.init();
    doc = buildOpenApiDocument(app);
  });
  afterAll(() => app?.close());

  it('docs/openapi.json is the document the code describes (else: npm run openapi, and commit it)', async () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(committed, 'docs/openapi.json is out of date: run `npm run openapi` and commit it').toBe(
      await asCommitted(doc),
    );
  });

  it('describes every JSON route the app registers, and only those', () => {
    const registered = registeredRoutes(app).filter((r) => !isDocsRoute(r));
    expect(registered).toEqual(expect.arrayContaining(PAGES));
    expect(registered).toEqual(expect.arrayContaining(FORM_ONLY));
    const json = registered.filter((r) => !PAGES.includes(r) && !FORM_ONLY.includes(r));
    expect(json.length).toBeGreaterThan(10);
    expect([...new Set(json)].sort()).toEqual(documentedRoutes(doc).sort());
  });

  it('leaves out only pages: each answers a browser with HTML or a redirect', async () => {
    for (const route of PAGES) {
      const path = route.split(' ')[1];
      const res = await request(app.getHttpServer()).get(path).set('Accept', 'text/html');
      expect(res.status === 303 || res.type === 'text/html', `${route} -> ${res.status} ${res.type}`).toBe(true);
    }
  });

  it('documents an error body for each failure status, and the session cookie on guarded routes', () => {
    for (const [route, op] of Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([m, o]) => [`${m.toUpperCase()} ${path}`, o as Record<string, unknown>] as const),
    )) {
      const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
      const failures = Object.keys(responses).filter((s) => Number(s) >= 400);
      if (route.startsWith('POST ')) expect(failures, route).toEqual(expect.arrayContaining(['400', '403', '415']));
      for (const status of failures)
        expect(responses[status].content?.['application/json'], `${route} ${status}`).toBeDefined();
    }
    // `POST /account/not-me` is open: its link's token, not a session, is what it takes.
    const guarded = documentedRoutes(doc).filter(
      (r) => (r.startsWith('POST /account/') && r !== 'POST /account/not-me') || r === 'GET /me',
    );
    for (const route of [...guarded, 'POST /step-up']) {
      const [method, path] = route.split(' ');
      expect(doc.paths[path][method.toLowerCase() as 'get' | 'post']?.security, route).toEqual([{ sid: [] }]);
    }
  });
});

describe('Swagger UI at /docs', () => {
  describe('in development', () => {
    let app: NestExpressApplication;
    beforeAll(async () => {
      app = await createApp({ NODE_ENV: 'development', LOG_LEVEL: 'error' });
      await app.init();
    });
    afterAll(() => app?.close());

    it('serves the UI, with inline styles allowed on /docs only and scripts still from files only', async () => {
      const ui = await request(app.getHttpServer()).get('/docs');
      expect(ui.status).toBe(200);
      expect(ui.type).toBe('text/html');
      expect(ui.text).toContain('swagger-ui-init.js');
      expect(ui.headers['set-cookie']).toBeUndefined();
      const csp = String(ui.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("style-src 'self' 'unsafe-inline';");

      const init = await request(app.getHttpServer()).get('/docs/swagger-ui-init.js');
      expect(init.status).toBe(200);
      expect(init.type).toBe('application/javascript');

      const page = await request(app.getHttpServer()).get('/auth');
      expect(String(page.headers['content-security-policy'])).toContain("style-src 'self';");
    });

    it('serves the document at /docs/json: the committed one', async () => {
      const res = await request(app.getHttpServer()).get('/docs/json');
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/json');
      expect(res.body).toEqual(JSON.parse(readFileSync(COMMITTED, 'utf8')));
    });

    it('keeps /docs out of the session and CSRF middleware (a cross-site POST is a 404, not a 403)', async () => {
      for (const path of ['/docs', '/docs/json']) {
        const res = await request(app.getHttpServer())
          .post(path)
          .set('Origin', 'https://evil.example')
          .set('Accept', 'application/json');
        expect(res.status, path).toBe(404);
        expect(res.headers['set-cookie'], path).toBeUndefined();
      }
    });
  });

  describe('in production', () => {
    let t: TestApp;
    // createTestApp sets REDIS_URL, SMTP_URL, SESSION_SECRET and OTP_SECRET; production also needs APP_URL.
    beforeAll(async () => {
      t = await createTestApp({ NODE_ENV: 'production', APP_URL: 'http://localhost:3000' });
    });
    afterAll(() => t?.close());

    it('answers 404 for the UI, its files and the document', async () => {
      for (const path of ['/docs', '/docs/', '/docs/json', '/docs/swagger-ui-init.js', '/docs/swagger-ui-bundle.js']) {
        const res = await request(t.http).get(path).set('Accept', 'application/json');
        expect(res.status, path).toBe(404);
        expect(res.body, path).toMatchObject({ error: 'not_found' });
      }
    });
  });
});
