import { RedisScript } from './redis-script.js';

/**
 * Adds a member to a sorted set scored by its end (epoch ms), drops members that have ended, and
 * keeps the set alive as long as its longest-lived member. One key, so it runs on Redis Cluster.
 * KEYS: the set. ARGV: member, its end (ms), now (ms). Used by the session and device indexes.
 */
export const ADD_TO_EXPIRING_SET = new RedisScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
local left = tonumber(ARGV[2]) - tonumber(ARGV[3])
if ttl < left then redis.call('PEXPIRE', KEYS[1], left) end
return 1
`);
