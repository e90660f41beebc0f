import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type pg from 'pg';
import { HOST_DB } from './accounts/host-database.module.js';
import { migrateHostAccounts } from './accounts/host-accounts.migration.js';
import { AppModule } from './app.module.js';
import { configureHostApp } from './app.setup.js';
import { hostSettings } from './host.config.js';

/**
 * The host's entry point (`npm start` in this folder: `tsc -p tsconfig.build.json`, then
 * `node dist/main.js`). It needs the variables of `HostConfig` and the host's `views/` beside the
 * build; it creates its `host_accounts` table itself before it listens.
 */
async function bootstrap() {
  // No body parser of Nest's own: `applyHttpSetup` (in `configureHostApp`) brings the package's.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false });
  configureHostApp(app);
  // The team's own table, before the first sign-in needs it: idempotent, and under a lock, so
  // replicas starting together create it once.
  await migrateHostAccounts(app.get<pg.Pool>(HOST_DB));
  const { port, appUrl } = hostSettings(app.get(ConfigService));
  await app.listen(port);
  new Logger('Bootstrap').log(`Acme Reports listening on port ${port} (${appUrl})`);
}

void bootstrap();
