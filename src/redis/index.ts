export { RedisModule } from './redis.module.js';
export { type RedisModuleOptions, REDIS_MODULE_OPTIONS, InjectRedisOptions } from './redis.module-definition.js';
export { REDIS_CLIENT, InjectRedis, type RedisClient } from './redis.constants.js';
export { RedisHealthIndicator } from './redis-health.indicator.js';
export {
  StoreUnavailableError,
  redisCall,
  withDeadline,
  REDIS_DEADLINE_MS,
  REDIS_FAILURE_CHANNEL,
  type RedisFailure,
} from './redis-unavailable.error.js';
export { RedisScript } from './redis-script.js';
export { isCluster } from './redis.providers.js';
export { ADD_TO_EXPIRING_SET } from './expiring-set.script.js';
