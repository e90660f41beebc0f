import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { DEFAULT_VIEWS_DIR } from 'nest-mfa-signin';

/**
 * What the host does to its app before `init()`/`listen()`, as the package's `createApp` does for
 * its own server (which builds the package's `AppModule` and cannot take the host's): helmet with a
 * CSP that allows the pages' own script and stylesheet, and those files served at `/assets/`. The
 * package's strict body readers are not exported, so Nest's default JSON and form parsers read
 * the bodies here.
 */
export function configureHostApp(app: NestExpressApplication): NestExpressApplication {
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
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  // The package ships its stylesheet and page script in `public/`, beside `views/`.
  app.useStaticAssets(join(DEFAULT_VIEWS_DIR, '..', 'public'), { prefix: '/assets/', maxAge: '1h', index: false });
  app.enableShutdownHooks();
  return app;
}
