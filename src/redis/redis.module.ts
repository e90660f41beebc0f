import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { REDIS_CLIENT, type RedisClient } from './redis.constants.js';
import { RedisHealthIndicator } from './redis-health.indicator.js';
import { ConfigurableModuleClass, REDIS_MODULE_OPTIONS } from './redis.module-definition.js';
import { redisClientProvider } from './redis.providers.js';

/**
 * One shared node-redis client for the app (`RedisModule.forRoot({ url })` or `forRootAsync`).
 * Global by default (`isGlobal`) so every store can inject it; closed on shutdown.
 */
@Module({
  imports: [TerminusModule],
  providers: [redisClientProvider, RedisHealthIndicator],
  exports: [REDIS_CLIENT, RedisHealthIndicator, REDIS_MODULE_OPTIONS],
})
export class RedisModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient | null) {
    super();
  }

  async onApplicationShutdown() {
    if (!this.client?.isOpen) return;
    await this.client.close().catch(() => this.client?.destroy());
  }
}
