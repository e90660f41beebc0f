import { type RedisClient, RedisScript, redisCall } from '../redis/index.js';
import { DeviceStore, type DeviceRecord } from './device-store.js';

// KEYS: device, the account's set. ARGV: record JSON, hash, expiresAt ms, now ms.
const SAVE = new RedisScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
local ttl = redis.call('PTTL', KEYS[2])
local left = tonumber(ARGV[3]) - tonumber(ARGV[4])
if ttl < left then redis.call('PEXPIRE', KEYS[2], left) end
return 1
`);

/**
 * {@link DeviceStore} on Redis: `dv:<hash>` (the record, expiring with it) and `dva:<email>` (a sorted
 * set of the account's hashes by expiry, so they can be listed and forgotten). `take` is GETDEL.
 */
export class RedisDeviceStore extends DeviceStore {
  constructor(
    protected readonly client: RedisClient,
    protected readonly prefix = 'dv',
  ) {
    super();
  }

  async save(hash: string, record: DeviceRecord): Promise<void> {
    await SAVE.run(
      this.client,
      [this.key(hash), this.accountKey(record.email)],
      [JSON.stringify(record), hash, record.expiresAt, Date.now()],
    );
  }

  async get(hash: string): Promise<DeviceRecord | null> {
    return this.parse(await redisCall(() => this.client.get(this.key(hash))));
  }

  async take(hash: string): Promise<DeviceRecord | null> {
    return this.parse(await redisCall(() => this.client.getDel(this.key(hash))));
  }

  async list(email: string): Promise<{ hash: string; record: DeviceRecord }[]> {
    const hashes = await redisCall(() => this.client.zRangeByScore(this.accountKey(email), Date.now(), '+inf'));
    if (!hashes.length) return [];
    const raw = await redisCall(() => this.client.mGet(hashes.map((h) => this.key(h))));
    const out: { hash: string; record: DeviceRecord }[] = [];
    const gone: string[] = [];
    hashes.forEach((hash, i) => {
      const record = this.parse(raw[i]);
      if (record && record.email === email) out.push({ hash, record });
      else gone.push(hash);
    });
    if (gone.length) await redisCall(() => this.client.zRem(this.accountKey(email), gone));
    return out;
  }

  async remove(email: string, hashes: string[]): Promise<void> {
    if (!hashes.length) return;
    await redisCall(() =>
      this.client
        .multi()
        .del(hashes.map((h) => this.key(h)))
        .zRem(this.accountKey(email), hashes)
        .exec(),
    );
  }

  protected parse(raw: string | null): DeviceRecord | null {
    if (!raw) return null;
    try {
      const d = JSON.parse(raw) as DeviceRecord;
      return d.expiresAt > Date.now() ? d : null;
    } catch {
      return null;
    }
  }

  protected key(hash: string): string {
    return `${this.prefix}:${hash}`;
  }

  protected accountKey(email: string): string {
    return `${this.prefix}a:${email}`;
  }
}
