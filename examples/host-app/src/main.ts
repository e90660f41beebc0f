import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureHostApp } from './app.setup.js';

/**
 * The host's entry point, built by the team's own build (the package's `npm run build` compiles
 * only `src/`). It needs the variables of `HostConfig`, `VIEWS_DIR` pointing at a folder made by
 * `composeViews()`, and the `host_accounts` table (`migrateHostAccounts`).
 */
async function bootstrap() {
  const app = configureHostApp(await NestFactory.create<NestExpressApplication>(AppModule));
  await app.listen(3000);
}

void bootstrap();
