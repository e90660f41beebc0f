import { type RedisClient, redisCall } from '../redis/index.js';
import { AccountStore, type ActivityEntry, type NotMeGrant } from './account-store.js';

/** {@link AccountStore} on Redis: `nm:<hash>` (a grant, GETDEL to use) and `act:<email>` (a capped list). */
export class RedisAccountStore extends AccountStore {
  constructor(protected readonly client: RedisClient) {
    super();
  }

  async saveGrant(hash: string, grant: NotMeGrant, ttlMs: number): Promise<void> {
    await redisCall(() =>
      this.client.set(`nm:${hash}`, JSON.stringify(grant), { expiration: { type: 'PX', value: ttlMs } }),
    );
  }

  async takeGrant(hash: string): Promise<NotMeGrant | null> {
    const raw = await redisCall(() => this.client.getDel(`nm:${hash}`));
    return raw ? (JSON.parse(raw) as NotMeGrant) : null;
  }

  async addActivity(email: string, entry: ActivityEntry, keep: number, ttlMs: number): Promise<void> {
    const key = `act:${email}`;
    await redisCall(() =>
      this.client
        .multi()
        .lPush(key, JSON.stringify(entry))
        .lTrim(key, 0, keep - 1)
        .pExpire(key, ttlMs)
        .exec(),
    );
  }

  async activity(email: string, limit: number): Promise<ActivityEntry[]> {
    const raw = await redisCall(() => this.client.lRange(`act:${email}`, 0, limit - 1));
    return raw.map((r) => JSON.parse(r) as ActivityEntry);
  }
}
