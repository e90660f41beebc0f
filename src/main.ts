import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { APP_CONFIG, type AppConfig, ConfigError, loadDotEnv } from './config/app.config.js';
import { DatabaseSchemaError } from './database/index.js';
import { enableGracefulShutdown } from './health/index.js';

async function bootstrap() {
  loadDotEnv();
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp();
  } catch (err) {
    // What an operator must change: said in one line, without a stack trace.
    if (err instanceof ConfigError || err instanceof DatabaseSchemaError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const config = app.get<AppConfig>(APP_CONFIG);
  enableGracefulShutdown(app, config.shutdown);
  await app.listen(config.port);
  new Logger('Bootstrap').log(
    `Listening on port ${config.port} (${config.appUrl}), first factor: ${config.firstFactor}`,
  );
}

void bootstrap();
