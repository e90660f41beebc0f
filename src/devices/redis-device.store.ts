import { ADD_TO_EXPIRING_SET, type RedisClient, RedisScript, redisCall } from '../redis/index.js';
import { DeviceStore, type DeviceRecord } from './device-store.js';

// KEYS: a device. ARGV: email. Deletes it only when it is that account's (a record that does not
// parse is left to its expiry).
const REMOVE_OWNED = new RedisScript(`
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or record.email ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`);

/**
 * {@link DeviceStore} on Redis: `dv:<hash>` (the record, expiring with it) and `dva:<email>` (a sorted
 * set of the account's hashes by expiry, so they can be listed and forgotten). `take` is GETDEL;
 * `remove` deletes each device with a script that checks it is the account's.
 * Every command touches one key (the two live in different Redis Cluster slots): the set entry is
 * written before the record, so a live device is always listed; entries whose record is gone are
 * dropped when the set is read.
 */
export class RedisDeviceStore extends DeviceStore {
  constructor(
    protected readonly client: RedisClient,
    protected readonly prefix = 'dv',
  ) {
    super();
  }

  async save(hash: string, record: DeviceRecord): Promise<void> {
    await ADD_TO_EXPIRING_SET.run(this.client, [this.accountKey(record.email)], [hash, record.expiresAt, Date.now()]);
    await redisCall(() =>
      this.client.set(this.key(hash), JSON.stringify(record), {
        expiration: { type: 'PXAT', value: record.expiresAt },
      }),
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
    const raw = await redisCall(() => Promise.all(hashes.map((h) => this.client.get(this.key(h)))));
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
    // One key per command (they live in different Redis Cluster slots): the devices first, each only
    // if it is this account's, then the list, which drops ids whose device is gone anyway.
    await Promise.all(hashes.map((h) => REMOVE_OWNED.run(this.client, [this.key(h)], [email])));
    await redisCall(() => this.client.zRem(this.accountKey(email), hashes));
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
