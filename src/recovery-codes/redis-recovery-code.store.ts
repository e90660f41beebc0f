import { Injectable } from '@nestjs/common';
import { InjectRedis, type RedisClient, RedisScript, redisCall } from '../redis/index.js';
import { RecoveryCodeStore } from './recovery-code-store.js';

// KEYS: the account's set. ARGV: hash. Codes left after removing it, or -1 when it was not there.
const CONSUME = new RedisScript(`
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
return redis.call('SCARD', KEYS[1])
`);

/** Options of {@link RedisRecoveryCodeStore}. */
export interface RedisRecoveryCodeStoreOptions {
  /** Prefix of every key this store writes (default `rc:`). */
  keyPrefix?: string;
}

/**
 * {@link RecoveryCodeStore} on Redis: one set of hashes per account at `rc:<email>`, no expiry.
 * {@link consume} is one Lua script (SREM + SCARD), so it is atomic and one round trip; Redis
 * deletes the key itself when the last code is used.
 */
@Injectable()
export class RedisRecoveryCodeStore extends RecoveryCodeStore {
  protected readonly prefix: string;

  constructor(
    @InjectRedis() protected readonly client: RedisClient,
    options: RedisRecoveryCodeStoreOptions = {},
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'rc:';
  }

  async replace(email: string, hashes: string[]): Promise<void> {
    const key = this.key(email);
    await redisCall(() => {
      const tx = this.client.multi().del(key);
      return (hashes.length ? tx.sAdd(key, hashes) : tx).exec();
    });
  }

  async consume(email: string, hash: string): Promise<number | null> {
    const left = Number(await CONSUME.run(this.client, [this.key(email)], [hash]));
    return left < 0 ? null : left;
  }

  async count(email: string): Promise<number> {
    return redisCall(() => this.client.sCard(this.key(email)));
  }

  async remove(email: string): Promise<boolean> {
    return (await redisCall(() => this.client.del(this.key(email)))) > 0;
  }

  protected key(email: string): string {
    return this.prefix + email;
  }
}
