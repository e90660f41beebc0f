import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureHostApp } from './app.setup.js';

/**
 * The host's entry point, built by the team's own build (the package's `npm run build` compiles
 * only `src/`). It needs the variables of `HostConfig`, the host's `views/` shipped beside the build,
 * and the `host_accounts` table (`migrateHostAccounts`).
 */
async function bootstrap() {
  // No body parser of Nest's own: `applyHttpSetup` (in `configureHostApp`) brings the package's.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false });
  configureHostApp(app);
  await app.listen(3000);
}

void bootstrap();
