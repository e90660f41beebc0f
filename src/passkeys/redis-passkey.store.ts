import { Injectable } from '@nestjs/common';
import { InjectRedis, type RedisClient, RedisScript, redisCall } from '../redis/index.js';
import { assertChallengeTtl, PasskeyStore } from './passkey-store.js';
import type { PasskeyCredential, PasskeyUse } from './passkey.types.js';

// KEYS: credential hash. ARGV: field/value pairs. Creates it only when absent: 1 created, 0 exists.
const ADD = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`);

// KEYS: credential hash. ARGV: counter, backed up (0/1), at ms. The counter must grow unless both are 0.
const RECORD_USE = new RedisScript(`
local n = redis.call('HGET', KEYS[1], 'n')
if not n then return 0 end
local stored, next = tonumber(n), tonumber(ARGV[1])
if not (next > stored or (stored == 0 and next == 0)) then return 0 end
redis.call('HSET', KEYS[1], 'n', ARGV[1], 'b', ARGV[2], 'u', ARGV[3])
return 1
`);

// KEYS: credential hash. ARGV: email, then 'name' and the new name, or 'del'. Only the owner's.
const CHANGE = new RedisScript(`
if redis.call('HGET', KEYS[1], 'e') ~= ARGV[1] then return 0 end
if ARGV[2] == 'del' then redis.call('DEL', KEYS[1]) else redis.call('HSET', KEYS[1], 'm', ARGV[3]) end
return 1
`);

const FIELDS = ['e', 'k', 'n', 'r', 'd', 'b', 'm', 't', 'u'] as const;

/** Options of {@link RedisPasskeyStore}. */
export interface RedisPasskeyStoreOptions {
  /** Prefix of every key this store writes (default `pk:`). */
  keyPrefix?: string;
}

/**
 * {@link PasskeyStore} on Redis. Each decision is one script on one key, so the store also works on
 * Redis Cluster (no command spans two slots).
 * Keys: `pk:c:<credential id>` (hash: e email, k public key, n counter, r transports, d device type,
 * b backed up, m name, t created at ms, u last used ms), no expiry; `pk:a:<email>` (set of the
 * account's credential ids, written before the credential and cleaned of ids whose hash is gone);
 * `pk:ch:<challenge>` (string: the binding) with `EX ttlSeconds`, taken with GETDEL (Redis 6.2+).
 */
@Injectable()
export class RedisPasskeyStore extends PasskeyStore {
  protected readonly prefix: string;

  constructor(
    @InjectRedis() protected readonly client: RedisClient,
    options: RedisPasskeyStoreOptions = {},
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'pk:';
  }

  async add(c: PasskeyCredential): Promise<boolean> {
    const fields = [
      ['e', c.email],
      ['k', c.publicKey],
      ['n', String(c.counter)],
      ['r', c.transports.join(',')],
      ['d', c.deviceType],
      ['b', c.backedUp ? '1' : '0'],
      ['m', c.name],
      ['t', String(c.createdAt)],
      ...(c.lastUsedAt !== undefined ? [['u', String(c.lastUsedAt)]] : []),
    ].flat();
    // The account's set first: an id listed without its credential is harmless (list() drops it),
    // a credential missing from its owner's list would be one the owner cannot see or remove.
    await redisCall(() => this.client.sAdd(this.key('a', c.email), c.id));
    if (Number(await ADD.run(this.client, [this.key('c', c.id)], fields)) === 1) return true;
    if ((await this.get(c.id))?.email !== c.email)
      await redisCall(() => this.client.sRem(this.key('a', c.email), c.id));
    return false;
  }

  async get(id: string): Promise<PasskeyCredential | null> {
    const values = await redisCall(() => this.client.hmGet(this.key('c', id), [...FIELDS]));
    return this.parse(id, values);
  }

  async list(email: string): Promise<PasskeyCredential[]> {
    const ids = await redisCall(() => this.client.sMembers(this.key('a', email)));
    if (!ids.length) return [];
    const rows = await redisCall(() => Promise.all(ids.map((id) => this.client.hmGet(this.key('c', id), [...FIELDS]))));
    const found = ids.map((id, i) => this.parse(id, rows[i]));
    // An id whose credential is gone (removed between the two writes): drop it from the set.
    const stale = ids.filter((_, i) => !found[i] || found[i].email !== email);
    if (stale.length) await redisCall(() => this.client.sRem(this.key('a', email), stale));
    return found
      .filter((c): c is PasskeyCredential => !!c && c.email === email)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async recordUse(id: string, use: PasskeyUse): Promise<boolean> {
    const args = [use.counter, use.backedUp ? 1 : 0, use.at];
    return Number(await RECORD_USE.run(this.client, [this.key('c', id)], args)) === 1;
  }

  async rename(email: string, id: string, name: string): Promise<PasskeyCredential | null> {
    if (Number(await CHANGE.run(this.client, [this.key('c', id)], [email, 'name', name])) !== 1) return null;
    return this.get(id);
  }

  async remove(email: string, id: string): Promise<boolean> {
    if (Number(await CHANGE.run(this.client, [this.key('c', id)], [email, 'del'])) !== 1) return false;
    await redisCall(() => this.client.sRem(this.key('a', email), id));
    return true;
  }

  async saveChallenge(challenge: string, binding: string, ttlSeconds: number): Promise<void> {
    assertChallengeTtl(ttlSeconds);
    await redisCall(() =>
      this.client.set(this.key('ch', challenge), binding, { expiration: { type: 'EX', value: ttlSeconds } }),
    );
  }

  async takeChallenge(challenge: string): Promise<string | null> {
    return redisCall(() => this.client.getDel(this.key('ch', challenge)));
  }

  protected parse(id: string, v: (string | null)[]): PasskeyCredential | null {
    const [e, k, n, r, d, b, m, t, u] = v;
    if (!e || !k) return null;
    return {
      id,
      email: e,
      publicKey: k,
      counter: Number(n),
      transports: r ? r.split(',') : [],
      deviceType: d === 'multiDevice' ? 'multiDevice' : 'singleDevice',
      backedUp: b === '1',
      name: m ?? '',
      createdAt: Number(t),
      ...(u ? { lastUsedAt: Number(u) } : {}),
    };
  }

  protected key(kind: 'c' | 'a' | 'ch', id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }
}
