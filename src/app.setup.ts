import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { join } from 'node:path';
import { AppModule, type AppExtras } from './app.module.js';
import { loadConfig } from './config/app.config.js';
import { formBodyParser, jsonBodyParser, utf8BodiesOnly } from './http/body.parsers.js';
import { buildOpenApiDocument } from './openapi.js';
import { DEFAULT_VIEWS_DIR } from './view/index.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Everything `main.ts` does before `listen`, shared with the end-to-end tests. */
export async function createApp(
  env?: Record<string, string | undefined>,
  extras: AppExtras = {},
): Promise<NestExpressApplication> {
  // Validated once, first: a bad environment stops with a ConfigError naming each variable.
  const config = loadConfig(env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, extras), {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  for (const w of config.warnings) new Logger('Config').warn(w);

  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  const csp = {
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
    ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
  };
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: csp },
      strictTransportSecurity: config.secureCookies ? { maxAge: 15_552_000, includeSubDomains: true } : false,
      // Not `no-referrer`: with it browsers send `Origin: null` on form posts, which the Origin check refuses.
      referrerPolicy: { policy: 'same-origin' },
      frameguard: { action: 'deny' },
    }),
  );
  // Static files come before the session middleware: they never touch Redis.
  app.useStaticAssets(join(DEFAULT_VIEWS_DIR, '..', 'public'), { prefix: '/assets/', maxAge: '1h', index: false });
  if (config.env !== 'production') serveApiDocs(app, csp);
  // Our own readers: UTF-8 only, every name kept as sent (no prototype tricks), repeated names noted,
  // so that validation sees exactly what the client sent.
  app.use(utf8BodiesOnly(), jsonBodyParser({ limit: '8kb' }), formBodyParser({ limit: '8kb', parameterLimit: 20 }));
  app.enableShutdownHooks();
  return app;
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
