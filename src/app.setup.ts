import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { join } from 'node:path';
import { AppModule } from './app.module.js';
import { loadConfig } from './config/app.config.js';
import { formBodyParser, jsonBodyParser, utf8BodiesOnly } from './http/body.parsers.js';
import { DEFAULT_VIEWS_DIR } from './view/index.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Everything `main.ts` does before `listen`, shared with the end-to-end tests. */
export async function createApp(env?: Record<string, string | undefined>): Promise<NestExpressApplication> {
  // Validated once, first: a bad environment stops with a ConfigError naming each variable.
  const config = loadConfig(env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  for (const w of config.warnings) new Logger('Config').warn(w);

  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
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
        },
      },
      strictTransportSecurity: config.secureCookies ? { maxAge: 15_552_000, includeSubDomains: true } : false,
      // Not `no-referrer`: with it browsers send `Origin: null` on form posts, which the Origin check refuses.
      referrerPolicy: { policy: 'same-origin' },
      frameguard: { action: 'deny' },
    }),
  );
  // Static files come before the session middleware: they never touch Redis.
  app.useStaticAssets(join(DEFAULT_VIEWS_DIR, '..', 'public'), { prefix: '/assets/', maxAge: '1h', index: false });
  // Our own readers: UTF-8 only, every name kept as sent (no prototype tricks), repeated names noted,
  // so that validation sees exactly what the client sent.
  app.use(utf8BodiesOnly(), jsonBodyParser({ limit: '8kb' }), formBodyParser({ limit: '8kb', parameterLimit: 20 }));
  app.enableShutdownHooks();
  return app;
}
