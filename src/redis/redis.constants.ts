import { Inject } from '@nestjs/common';
import type { createClient } from 'redis';

/** The node-redis client type this project uses. */
export type RedisClient = ReturnType<typeof createClient>;

/** Token of the shared client: a {@link RedisClient}, or `null` when no REDIS_URL is configured. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Injects the shared Redis client (`RedisClient | null`). */
export const InjectRedis = () => Inject(REDIS_CLIENT);
