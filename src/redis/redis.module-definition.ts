import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of {@link RedisModule}. */
export interface RedisModuleOptions {
  /** `redis://` or `rediss://` URL. Unset: no client is made and stores fall back to process memory. */
  url?: string;
  /** How long boot waits for the first connection before going on without it (default 2000 ms). */
  connectTimeoutMs?: number;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: REDIS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<RedisModuleOptions>().setClassMethodName('forRoot').build();
