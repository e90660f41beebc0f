import { Injectable } from '@nestjs/common';
import { InjectRedis, type RedisClient, RedisScript, redisCall } from '../redis/index.js';
import { assertPendingTtl, assertStep, TotpStore } from './totp-store.js';
import type { TotpCredential } from './totp.types.js';

// KEYS: account hash. ARGV: step. Moves `n` forward only; 0 when not later or no credential.
const ACCEPT_STEP = new RedisScript(`
local n = redis.call('HGET', KEYS[1], 'n')
if not n or tonumber(ARGV[1]) <= tonumber(n) then return 0 end
redis.call('HSET', KEYS[1], 'n', ARGV[1])
return 1
`);

/** Options of {@link RedisTotpStore}. */
export interface RedisTotpStoreOptions {
  /** Prefix of every key this store writes (default `totp:`). */
  keyPrefix?: string;
}

/**
 * {@link TotpStore} on Redis. {@link acceptStep} is one Lua script and {@link takePending} is GETDEL
 * (Redis 6.2+), so both decide atomically in one round trip.
 * Keys: `totp:a:<email>` (hash: s sealed secret, t created at ms, n last accepted step), no expiry;
 * `totp:p:<id>` (string: the sealed pending secret) with `EX ttlSeconds`.
 */
@Injectable()
export class RedisTotpStore extends TotpStore {
  protected readonly prefix: string;

  constructor(
    @InjectRedis() protected readonly client: RedisClient,
    options: RedisTotpStoreOptions = {},
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'totp:';
  }

  async get(email: string): Promise<TotpCredential | null> {
    const [s, t, n] = await redisCall(() => this.client.hmGet(this.key('a', email), ['s', 't', 'n']));
    if (!s) return null;
    return { sealedSecret: s, createdAt: Number(t), lastStep: Number(n) };
  }

  async save(email: string, credential: TotpCredential): Promise<void> {
    const key = this.key('a', email);
    const fields = { s: credential.sealedSecret, t: String(credential.createdAt), n: String(credential.lastStep) };
    await redisCall(() => this.client.multi().del(key).hSet(key, fields).exec());
  }

  async remove(email: string): Promise<boolean> {
    return (await redisCall(() => this.client.del(this.key('a', email)))) > 0;
  }

  async acceptStep(email: string, step: number): Promise<boolean> {
    assertStep(step);
    return Number(await ACCEPT_STEP.run(this.client, [this.key('a', email)], [step])) === 1;
  }

  async savePending(id: string, sealedSecret: string, ttlSeconds: number): Promise<void> {
    assertPendingTtl(ttlSeconds);
    await redisCall(() =>
      this.client.set(this.key('p', id), sealedSecret, { expiration: { type: 'EX', value: ttlSeconds } }),
    );
  }

  async takePending(id: string): Promise<string | null> {
    return redisCall(() => this.client.getDel(this.key('p', id)));
  }

  protected key(kind: 'a' | 'p', id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }
}
