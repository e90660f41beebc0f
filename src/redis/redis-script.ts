import { createHash } from 'node:crypto';
import type { RedisClient } from './redis.constants.js';
import { redisCall } from './redis-unavailable.error.js';

/**
 * A Lua script sent by its SHA1 (`EVALSHA`), with the full text only the first time or after a
 * Redis restart (`NOSCRIPT`): one small round trip per call.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  run(client: RedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    return redisCall(async () => {
      try {
        return await client.evalSha(this.sha, options);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return client.eval(this.source, options);
      }
    });
  }
}
