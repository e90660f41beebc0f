import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule, type AppExtras } from './app.module.js';
import { appOptions } from './app.options.js';
import { loadConfig } from './config/app.config.js';
import { checkDatabaseSchema } from './database/index.js';
import { bodyReaders } from './http/body.parsers.js';
import { headersOnce } from './http/headers-once.js';
import { AppLogger, createPinoLogger, requestLogging } from './logging/index.js';
import { metricsEndpoint, MetricsService } from './metrics/index.js';
import { buildOpenApiDocument } from './openapi.js';
import { PUBLIC_ASSETS_DIR } from './view/index.js';

/** Everything `main.ts` does before `listen`, shared with the end-to-end tests. */
export async function createApp(
  env?: Record<string, string | undefined>,
  extras: AppExtras = {},
): Promise<NestExpressApplication> {
  // Validated once, first: a bad environment stops with a ConfigError naming each variable.
  const config = loadConfig(env);
  // Then the schema, before Nest builds anything: one that is behind stops with a DatabaseSchemaError
  // saying to run `npm run db:migrate` (from DatabaseModule's provider it would come with Nest's stack trace).
  if (config.databaseUrl) await checkDatabaseSchema(appOptions.database(config));
  const logger = createPinoLogger({ level: config.logLevel, format: config.logFormat });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { ...extras, schemaChecked: Boolean(config.databaseUrl) }),
    {
      bodyParser: false,
      logger: new AppLogger(logger),
    },
  );
  // First: every answer, whoever gives it, carries its request id and is logged.
  app.use(requestLogging(logger, { trustRequestId: Boolean(config.trustProxy) }));
  for (const w of config.warnings) new Logger('Config').warn(w);
  applyHttpSetup(app, { trustProxy: config.trustProxy, secureCookies: config.secureCookies }, () => {
    // Before the session and the limits, and not measured itself. With METRICS_PORT, only there.
    if (config.metricsOnPublicPort) app.use('/metrics', metricsEndpoint(app.get(MetricsService)));
    if (config.env !== 'production') serveApiDocs(app, cspOf(config.secureCookies));
  });
  // No `enableShutdownHooks()`: `main.ts` stops the server with `enableGracefulShutdown` (readiness
  // first, then in-flight requests and mail jobs), and test apps are closed by their tests.
  return app;
}

/** What {@link applyHttpSetup} needs to know. */
export interface HttpSetupOptions {
  /** Express `trust proxy` (`TRUST_PROXY`): client addresses and https come only from trusted hops. */
  trustProxy: boolean | number | string[];
  /** The public URL is https: HSTS and `upgrade-insecure-requests`. */
  secureCookies: boolean;
}

/** The Content-Security-Policy of every page: nothing inline, nothing from elsewhere. */
function cspOf(secure: boolean): Record<string, string[]> {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
    ...(secure ? { upgradeInsecureRequests: [] } : {}),
  };
}

/** `@simplewebauthn/browser`'s UMD bundle folder (`index.umd.min.js` defines `SimpleWebAuthnBrowser`). */
const WEBAUTHN_BROWSER_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '..',
  'dist',
  'bundle',
);

/**
 * The HTTP layer the modules expect, for `main.ts` and for a host app's own bootstrap (create the
 * app with `{ bodyParser: false }`): `trust proxy`, helmet with a strict CSP, the package's assets at
 * `/assets/` (the WebAuthn browser library at `/assets/webauthn/`), then the body readers (UTF-8 only, 8 KiB, every field name kept as sent, repeated
 * fields noted for validation). `beforeBodies` registers what must come between (e.g. `/docs`).
 */
export function applyHttpSetup(
  app: NestExpressApplication,
  options: HttpSetupOptions,
  beforeBodies?: () => void,
): void {
  app.set('trust proxy', options.trustProxy);
  app.disable('x-powered-by');
  // Every dynamic answer is `no-store`: an ETag (a SHA-1 of each body) would never be used. The
  // assets below keep theirs (serve-static makes its own).
  app.set('etag', false);
  const csp = cspOf(options.secureCookies);
  // helmet's headers depend on nothing in the request: worked out once, then set on each answer.
  app.use(
    headersOnce(
      helmet({
        contentSecurityPolicy: { useDefaults: false, directives: csp },
        strictTransportSecurity: options.secureCookies ? { maxAge: 15_552_000, includeSubDomains: true } : false,
        // Not `no-referrer`: with it browsers send `Origin: null` on form posts, which the Origin check refuses.
        referrerPolicy: { policy: 'same-origin' },
        frameguard: { action: 'deny' },
      }),
    ),
  );
  // Static files come before the session middleware: they never touch Redis.
  app.useStaticAssets(PUBLIC_ASSETS_DIR, { prefix: '/assets/', maxAge: '1h', index: false });
  // The WebAuthn browser library, from its package (never a CDN): the pages load it for passkeys.
  app.useStaticAssets(WEBAUTHN_BROWSER_DIR, { prefix: '/assets/webauthn/', maxAge: '1h', index: false });
  beforeBodies?.();
  // Our own readers: UTF-8 only, every name kept as sent (no prototype tricks), repeated names noted,
  // so that validation sees exactly what the client sent. GET, HEAD and OPTIONS skip them.
  app.use(bodyReaders({ limit: '8kb', parameterLimit: 20 }));
}

/**
 * Swagger UI at `/docs` and the OpenAPI document at `/docs/json` (see `buildOpenApiDocument`), built
 * on the first request. Registered here, before the app's routes and middleware: they answer
 * without a session, a CSRF check or the throttler (`AppModule` also excludes `/docs` from them).
 */
function serveApiDocs(app: NestExpressApplication, csp: Record<string, string[]>) {
  // Swagger UI's page has inline styles: two <style> blocks and the style attribute that hides its
  // icon sprite. `style-src 'self'` drops them (the sprite then takes up a blank 150px box at the
  // top, and the hidden "Explore" bar shows). Only for /docs, which production never serves and which
  // has no form and no secret, styles may be inline; scripts may not: its scripts are all files
  // (swagger-ui-init.js included), so `script-src` stays `'self'`.
  app.use(
    '/docs',
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: { ...csp, styleSrc: ["'self'", "'unsafe-inline'"] },
    }),
  );
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/json',
    raw: ['json'],
    customSiteTitle: 'nest-mfa-signin API',
    // No badge from validator.swagger.io: the page makes no request to another site.
    swaggerOptions: { validatorUrl: null },
  });
}
