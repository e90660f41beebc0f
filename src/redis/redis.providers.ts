import { Logger, type Provider } from '@nestjs/common';
import { createClient } from 'redis';
import { REDIS_CLIENT, type RedisClient } from './redis.constants.js';
import { REDIS_MODULE_OPTIONS, type RedisModuleOptions } from './redis.module-definition.js';

const logger = new Logger('Redis');

/**
 * Builds the shared client. It fails fast instead of queueing while disconnected
 * (`disableOfflineQueue`), so requests get 503 in time rather than piling up, and it
 * keeps reconnecting in the background so the server recovers without a restart.
 */
export async function createRedisClient(options: RedisModuleOptions): Promise<RedisClient | null> {
  if (!options.url) return null;
  let lastError = '';
  const client: RedisClient = createClient({
    url: options.url,
    disableOfflineQueue: true,
    // No per-command `timeout` here: it arms an abort timer per command, and does not cover
    // commands already written to a silent socket. Callers put a deadline on each call instead.
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 2000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
    },
  });
  client.on('error', (err: Error) => {
    // Reconnect loops repeat the same error: log each distinct one once.
    if (err.message !== lastError) logger.error(`Redis error: ${err.message}`);
    lastError = err.message;
  });
  client.on('ready', () => {
    if (lastError) logger.log('Redis connection restored');
    lastError = '';
  });
  const connecting = client.connect().catch(() => undefined);
  const waited = await Promise.race([
    connecting.then(() => true),
    new Promise<false>((r) => setTimeout(r, options.connectTimeoutMs ?? 2000, false).unref()),
  ]);
  if (!waited || !client.isReady) logger.warn('Redis is not reachable yet; retrying in the background');
  return client;
}

/** The shared client ({@link REDIS_CLIENT}), or null without a URL. */
export const redisClientProvider: Provider = {
  provide: REDIS_CLIENT,
  useFactory: createRedisClient,
  inject: [REDIS_MODULE_OPTIONS],
};
