import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import pg from 'pg';
import { hostSettings } from '../host.config.js';

/** Token of the host's own `pg.Pool` (its database, not the package's). */
export const HOST_DB = Symbol('HOST_DB');

/** Injects the host's `pg.Pool`. */
export const InjectHostDb = () => Inject(HOST_DB);

/**
 * The team's PostgreSQL pool (`DATABASE_URL`), closed on shutdown. `AuthModule` creates the user
 * store inside itself, so the store's dependencies come from here through
 * `AuthModule.forRootAsync({ imports: [HostDatabaseModule], ... })`.
 */
@Module({
  providers: [
    {
      provide: HOST_DB,
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        new pg.Pool({ connectionString: hostSettings(config).databaseUrl, max: 5, connectionTimeoutMillis: 2000 }),
    },
  ],
  exports: [HOST_DB],
})
export class HostDatabaseModule implements OnApplicationShutdown {
  constructor(@InjectHostDb() private readonly pool: pg.Pool) {}

  async onApplicationShutdown() {
    await this.pool.end();
  }
}
