import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DATABASE, InjectDatabase } from './database.constants.js';
import { DatabaseHealthIndicator } from './database-health.indicator.js';
import { ConfigurableModuleClass, DATABASE_MODULE_OPTIONS } from './database.module-definition.js';
import { databaseProvider } from './database.providers.js';
import type { Database } from './database.types.js';

/**
 * One shared PostgreSQL pool behind Kysely for the app: `DatabaseModule.forRoot({ url })` or
 * `forRootAsync`. Global by default (`isGlobal: false` to import it where needed). At boot it
 * refuses to start while migrations are pending (see `schemaCheck`); the pool is closed on shutdown.
 *
 * @example
 * DatabaseModule.forRootAsync({ useFactory: (c: AppConfig) => ({ url: c.databaseUrl! }), inject: [APP_CONFIG] })
 */
@Module({
  imports: [TerminusModule],
  providers: [databaseProvider, DatabaseHealthIndicator],
  exports: [DATABASE, DatabaseHealthIndicator, DATABASE_MODULE_OPTIONS],
})
export class DatabaseModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@InjectDatabase() private readonly db: Database) {
    super();
  }

  async onApplicationShutdown() {
    await this.db.destroy();
  }
}
