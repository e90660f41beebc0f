import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { applyHttpSetup } from 'nest-mfa-signin';
import { hostSettings } from './host.config.js';

/**
 * What the host does to its app before `init()`/`listen()`. The app is created with
 * `{ bodyParser: false }`, and the package's `applyHttpSetup` adds the HTTP layer its modules expect:
 * `trust proxy`, helmet with the pages' strict Content-Security-Policy, the package's stylesheet and
 * script at `/assets/`, and its body readers (UTF-8 only, 8 KiB, every field name kept as sent,
 * repeated fields refused).
 */
export function configureHostApp(app: NestExpressApplication): NestExpressApplication {
  const host = hostSettings(app.get(ConfigService));
  applyHttpSetup(app, { trustProxy: host.trustProxy, secureCookies: host.secureCookies });
  app.enableShutdownHooks();
  return app;
}
