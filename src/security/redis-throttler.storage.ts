import type { ThrottlerStorage } from '@nestjs/throttler';
import { type RedisClient, RedisScript } from '../redis/index.js';

// KEYS: hits, block. ARGV: ttlMs, limit, blockMs. Returns hits, ms to window end, blocked, ms to block end.
const INCREMENT = new RedisScript(`
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {0, 0, 1, blocked} end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, left, 1, tonumber(ARGV[3])}
end
return {hits, left, 0, 0}
`);

/**
 * `@nestjs/throttler` storage on the shared Redis, so every instance counts the same budget.
 * One script call per counted request.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    protected readonly client: RedisClient,
    protected readonly prefix = 'rl:',
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    // Both keys in one hash slot (`{...}`), so the script also runs on a Redis Cluster.
    const k = `${this.prefix}{${name}:${key}}`;
    const [hits, left, blocked, blockLeft] = (await INCREMENT.run(
      this.client,
      [k, `${k}:b`],
      [ttl, limit, blockDuration],
    )) as number[];
    return {
      totalHits: Number(hits),
      timeToExpire: Math.ceil(Number(left) / 1000),
      isBlocked: Number(blocked) === 1,
      timeToBlockExpire: Math.ceil(Number(blockLeft) / 1000),
    };
  }
}
