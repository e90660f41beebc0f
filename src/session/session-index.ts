import { ADD_TO_EXPIRING_SET, type RedisClient, redisCall } from '../redis/index.js';

/**
 * The live sessions of each owner (an account), so they can be listed and ended. Entries are added
 * when a record with an owner is first written; a session that expires or is destroyed leaves the
 * index lazily, when the index is next read (see `SessionService.listOwned`).
 */
export abstract class SessionIndex {
  /** Adds a session id, kept until `expiresAt` (epoch ms: the record's absolute end). */
  abstract add(owner: string, sid: string, expiresAt: number): Promise<void>;
  /** The ids indexed for `owner` whose absolute end has not passed (their records may be gone). */
  abstract list(owner: string, now: number): Promise<string[]>;
  abstract remove(owner: string, sids: string[]): Promise<void>;
}

/**
 * {@link SessionIndex} on Redis: a sorted set `si:<owner>` of session ids scored by their absolute
 * end, expiring with its last member. One entry costs about 50 bytes (a 32-character id and a score).
 */
export class RedisSessionIndex extends SessionIndex {
  constructor(
    protected readonly client: RedisClient,
    protected readonly prefix = 'si:',
  ) {
    super();
  }

  async add(owner: string, sid: string, expiresAt: number): Promise<void> {
    await ADD_TO_EXPIRING_SET.run(this.client, [this.prefix + owner], [sid, expiresAt, Date.now()]);
  }

  async list(owner: string, now: number): Promise<string[]> {
    return redisCall(() => this.client.zRangeByScore(this.prefix + owner, now, '+inf'));
  }

  async remove(owner: string, sids: string[]): Promise<void> {
    if (sids.length) await redisCall(() => this.client.zRem(this.prefix + owner, sids));
  }
}

/** {@link SessionIndex} in process memory (development without Redis, and tests). */
export class MemorySessionIndex extends SessionIndex {
  protected readonly owners = new Map<string, Map<string, number>>();

  async add(owner: string, sid: string, expiresAt: number): Promise<void> {
    const sids = this.owners.get(owner) ?? new Map<string, number>();
    sids.set(sid, expiresAt);
    this.owners.set(owner, sids);
  }

  async list(owner: string, now: number): Promise<string[]> {
    const sids = this.owners.get(owner);
    if (!sids) return [];
    for (const [sid, until] of sids) if (until <= now) sids.delete(sid);
    return [...sids.keys()];
  }

  async remove(owner: string, ids: string[]): Promise<void> {
    const sids = this.owners.get(owner);
    for (const sid of ids) sids?.delete(sid);
  }
}
