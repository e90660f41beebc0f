import { type RedisClient, RedisScript, redisCall } from '../../redis/index.js';
import { UserStore } from './user-store.js';
import type { User } from './user.types.js';

// KEYS: the account. ARGV: the new hash. Only an existing account (never creates one).
const UPDATE_PASSWORD = new RedisScript(`
if redis.call('HEXISTS', KEYS[1], 't') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'h', ARGV[1])
return 1
`);

/** {@link UserStore} on Redis: one small hash per account at `user:<email>` (h: hash, t: created). */
export class RedisUserStore extends UserStore {
  constructor(
    protected readonly client: RedisClient,
    protected readonly prefix = 'user:',
  ) {
    super();
  }

  async findByEmail(email: string): Promise<User | null> {
    const [h, t] = await redisCall(() => this.client.hmGet(this.prefix + email, ['h', 't']));
    if (!t) return null;
    return { email, createdAt: Number(t), ...(h ? { passwordHash: h } : {}) };
  }

  async updatePassword(email: string, passwordHash: string): Promise<boolean> {
    return Number(await UPDATE_PASSWORD.run(this.client, [this.prefix + email], [passwordHash])) === 1;
  }

  async create(user: User): Promise<boolean> {
    const key = this.prefix + user.email;
    // HSETNX on the creation time decides the race; the hash is written only by the winner.
    const created = await redisCall(() => this.client.hSetNX(key, 't', String(user.createdAt)));
    if (Number(created) !== 1) return false;
    if (user.passwordHash) await redisCall(() => this.client.hSet(key, 'h', user.passwordHash!));
    return true;
  }
}
