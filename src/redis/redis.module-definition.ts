import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';

/** Options of {@link RedisModule}. */
export interface RedisModuleOptions {
  /** `redis://` or `rediss://` URL. Unset: no client is made and stores fall back to process memory. */
  url?: string;
  /**
   * Seed nodes of a Redis Cluster (`redis://host:port` each): node-redis's cluster client is used
   * instead of `url`. Every store keeps the keys one command or script touches in one hash slot.
   */
  clusterNodes?: string[];
  /** How long boot waits for the first connection before going on without it (default 2000 ms). */
  connectTimeoutMs?: number;
}

/**
 * `RedisModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`, with the extra
 * `isGlobal` (default true: one app-wide instance every other module can use; false keeps it to the
 * importing module). DI errors name the module `Redis`.
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: REDIS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<RedisModuleOptions>({ moduleName: 'Redis' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();

/** Injects the module's options ({@link RedisModuleOptions}), e.g. in a host app's own guard. */
export const InjectRedisOptions = () => Inject(REDIS_MODULE_OPTIONS);
