import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRedis, type RedisClient, RedisScript, redisCall } from '../redis/index.js';
import { OtpStore } from './otp-store.js';
import type {
  Challenge,
  ConsumeResult,
  FailurePolicy,
  SendPolicy,
  StoredChallenge,
  SubjectCounters,
} from './otp.types.js';

// Counts one failure for an identifier and starts (or lengthens) its lock past the threshold.
const FAIL_FN = `
local function fail(fkey, lkey, threshold, windowMs, baseMs, maxMs)
  local n = redis.call('INCR', fkey)
  if n == 1 then redis.call('PEXPIRE', fkey, windowMs) end
  if n < threshold then return 0 end
  local lock = math.floor(math.min(baseMs * 2 ^ (n - threshold), maxMs))
  redis.call('SET', lkey, '1', 'PX', lock)
  if redis.call('PTTL', fkey) < lock + windowMs then redis.call('PEXPIRE', fkey, lock + windowMs) end
  return lock
end
`;

// Compares two strings of digest characters in constant time (no early exit on the first difference).
const SAME_FN = `
local function same(a, b)
  if #a ~= #b then return false end
  local diff = 0
  for i = 1, #a do diff = bit.bor(diff, bit.bxor(string.byte(a, i), string.byte(b, i))) end
  return diff == 0
end
`;

// KEYS: challenge, lock, failures. ARGV: digest, now, threshold, windowMs, baseMs, maxMs.
// The challenge's digests (field d) are space-separated, newest first; every one is compared.
const CONSUME = new RedisScript(`${FAIL_FN}${SAME_FN}
local c = redis.call('HMGET', KEYS[1], 'd', 'a', 'x', 'p', 'i', 'f', 'm', 'n')
if not c[1] then return {'expired'} end
if tonumber(c[3]) <= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) return {'expired'} end
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then return {'locked', locked} end
local match = false
for d in string.gmatch(c[1], '%S+') do
  if same(d, ARGV[1]) then match = true end
end
if match then
  redis.call('DEL', KEYS[1])
  return {'ok', c[4], c[5], c[6], c[3], c[7] or '', c[8] or '1'}
end
local a = redis.call('HINCRBY', KEYS[1], 'a', -1)
if a <= 0 then redis.call('DEL', KEYS[1]) end
local lock = fail(KEYS[3], KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
return {'invalid', a, lock}
`);

// KEYS: failures, lock. ARGV: threshold, windowMs, baseMs, maxMs.
const RECORD_FAILURE = new RedisScript(`${FAIL_FN}
return fail(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
`);

// KEYS: challenge. ARGV: new digests (space-separated, newest first), keep, now. Only a live challenge:
// the new digests go first, the list is cut to the newest 'keep'; returns the new send count, 0 if gone.
const ADD_DIGESTS = new RedisScript(`
local c = redis.call('HMGET', KEYS[1], 'x', 'd')
if not c[1] or tonumber(c[1]) <= tonumber(ARGV[3]) then return 0 end
local kept = {}
for d in string.gmatch(ARGV[1] .. ' ' .. (c[2] or ''), '%S+') do
  if #kept < tonumber(ARGV[2]) then kept[#kept + 1] = d end
end
redis.call('HSET', KEYS[1], 'd', table.concat(kept, ' '))
redis.call('HDEL', KEYS[1], 'u')
return redis.call('HINCRBY', KEYS[1], 'n', 1)
`);

// KEYS: challenge. ARGV: now. Marks only a live challenge (never recreates a consumed one).
const MARK_UNDELIVERED = new RedisScript(`
local x = redis.call('HGET', KEYS[1], 'x')
if not x or tonumber(x) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'u', '1')
return 1
`);

// Takes one send from an identifier's budget. KEYS: sends (a sorted set of send times).
// ARGV: now, cooldownMs, member, maxWindowMs, then window/max pairs. Returns ms to wait, 0 when sent.
const RESERVE_FN = `
local function reserve(key, argv)
  local now = tonumber(argv[1])
  local maxWindow = tonumber(argv[4])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - maxWindow)
  local last = redis.call('ZREVRANGE', key, 0, 0, 'WITHSCORES')
  if last[2] then
    local since = now - tonumber(last[2])
    if since < tonumber(argv[2]) then return tonumber(argv[2]) - since end
  end
  local wait = 0
  for i = 5, #argv, 2 do
    local window = tonumber(argv[i])
    local max = tonumber(argv[i + 1])
    local sent = redis.call('ZRANGEBYSCORE', key, now - window, '+inf', 'WITHSCORES')
    local count = #sent / 2
    if count >= max then
      local w = tonumber(sent[(count - max) * 2 + 2]) + window - now
      if w > wait then wait = w end
    end
  end
  if wait > 0 then return wait end
  redis.call('ZADD', key, now, argv[3])
  redis.call('PEXPIRE', key, maxWindow)
  return 0
end
`;

const RESERVE_SEND = new RedisScript(`${RESERVE_FN}
return reserve(KEYS[1], ARGV)
`);

// KEYS: sends, lock. Same ARGV. Returns {lockedMs, waitMs}: the lock first, so a locked identifier spends nothing.
const RESERVE_SEND_UNLESS_LOCKED = new RedisScript(`${RESERVE_FN}
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then return {locked, 0} end
return {0, reserve(KEYS[1], ARGV)}
`);

/** Options of {@link RedisOtpStore}. */
export interface RedisOtpStoreOptions {
  /** Prefix of every key this store writes (default `otp:`). */
  keyPrefix?: string;
}

/** Characters of an account's slot tag (base64url of SHA-256 of the identifier): 48 bits. */
const TAG_LENGTH = 8;

/**
 * {@link OtpStore} on Redis. Each decision is one Lua script, so it is atomic and one round trip.
 * Keys: `otp:{<tag>}c:<id>` (hash: d digests, newest first and space-separated, a attempts,
 * x deadline, p purpose, i identifier, f factor, m meta, u undelivered, n sends),
 * `otp:{<tag>}f:<subject>` failures, `otp:{<tag>}l:<subject>` lock, `otp:{<tag>}s:<identifier>` send
 * times. All expire. `<tag>` is the account's slot tag (a hash of the identifier, never the
 * identifier itself), and a challenge id starts with it: every key one script touches shares a
 * Redis Cluster hash tag, so the scripts run unchanged on a cluster.
 */
@Injectable()
export class RedisOtpStore extends OtpStore {
  protected readonly prefix: string;

  constructor(
    @InjectRedis() protected readonly client: RedisClient,
    options: RedisOtpStoreOptions = {},
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'otp:';
  }

  /** `<tag><128 random bits>`: the id carries its account's slot tag. */
  override newId(identifier: string): string {
    return slotTag(identifier) + randomBytes(16).toString('base64url');
  }

  async create(ch: StoredChallenge, now: number): Promise<void> {
    const key = this.key('c', ch.id);
    const fields: Record<string, string> = {
      d: ch.digests.join(' '),
      n: '1',
      a: String(ch.attemptsRemaining),
      x: String(ch.expiresAt),
      p: ch.purpose,
      i: ch.identifier,
      f: ch.factor,
    };
    if (ch.meta && Object.keys(ch.meta).length > 0) fields.m = JSON.stringify(ch.meta);
    // The key lives the challenge's life in Redis's real time, whatever the caller's clock says:
    // the deadline itself (field x) is checked against the caller's `now`.
    const lifeMs = Math.max(1, ch.expiresAt - now);
    await redisCall(() => this.client.multi().hSet(key, fields).pExpire(key, lifeMs).exec());
  }

  async get(id: string, now: number): Promise<Challenge | null> {
    const [a, x, p, i, f, m, u, n] = await redisCall(() =>
      this.client.hmGet(this.key('c', id), ['a', 'x', 'p', 'i', 'f', 'm', 'u', 'n']),
    );
    if (!x || Number(x) <= now) return null;
    const challenge = this.toChallenge(id, { a: a!, x, p: p!, i: i!, f: f!, m: m ?? '', n: n ?? '1' });
    return u ? { ...challenge, undelivered: true } : challenge;
  }

  async consume(id: string, identifier: string, digest: string, policy: FailurePolicy, now: number) {
    const r = (await this.eval(
      CONSUME,
      [this.key('c', id), this.key('l', identifier, tagOfId(id)), this.key('f', identifier, tagOfId(id))],
      [digest, now, policy.threshold, policy.windowMs, policy.baseLockMs, policy.maxLockMs],
    )) as (string | number)[];
    switch (r[0]) {
      case 'ok':
        return {
          status: 'ok',
          challenge: this.toChallenge(id, {
            p: String(r[1]),
            i: String(r[2]),
            f: String(r[3]),
            x: String(r[4]),
            a: '0',
            m: String(r[5]),
            n: String(r[6]),
          }),
        } satisfies ConsumeResult;
      case 'invalid':
        return {
          status: 'invalid',
          attemptsRemaining: Math.max(0, Number(r[1])),
          lockMs: Number(r[2]),
        } satisfies ConsumeResult;
      case 'locked':
        return { status: 'locked', retryAfterMs: Number(r[1]) } satisfies ConsumeResult;
      default:
        return { status: 'expired' } satisfies ConsumeResult;
    }
  }

  async addDigests(id: string, digests: string[], keep: number, now: number): Promise<number> {
    return Number(await this.eval(ADD_DIGESTS, [this.key('c', id)], [digests.join(' '), Math.max(1, keep), now]));
  }

  async markUndelivered(id: string, now: number): Promise<void> {
    await this.eval(MARK_UNDELIVERED, [this.key('c', id)], [now]);
  }

  async delete(id: string): Promise<void> {
    await redisCall(() => this.client.del(this.key('c', id)));
  }

  async lockedFor(identifier: string): Promise<number> {
    return Math.max(0, await redisCall(() => this.client.pTTL(this.key('l', identifier))));
  }

  async recordFailure(identifier: string, p: FailurePolicy): Promise<number> {
    return Number(
      await this.eval(
        RECORD_FAILURE,
        [this.key('f', identifier), this.key('l', identifier)],
        [p.threshold, p.windowMs, p.baseLockMs, p.maxLockMs],
      ),
    );
  }

  async reserveSend(identifier: string, policy: SendPolicy, now: number): Promise<number> {
    return Number(await this.eval(RESERVE_SEND, [this.key('s', identifier)], this.sendArgs(policy, now)));
  }

  // One transaction of reads: the subject's keys share its account's slot.
  async counters(subject: string): Promise<SubjectCounters> {
    const [lock, failures, failuresTtl, sends] = (await redisCall(() =>
      this.client
        .multi()
        .pTTL(this.key('l', subject))
        .get(this.key('f', subject))
        .pTTL(this.key('f', subject))
        .zRangeWithScores(this.key('s', subject), 0, -1)
        .exec(),
    )) as unknown as [number, string | null, number, { value: string; score: number }[]];
    return {
      lockedMs: Math.max(0, Number(lock)),
      failures: Number(failures ?? 0),
      failuresResetMs: failures === null ? 0 : Math.max(0, Number(failuresTtl)),
      sends: sends.map((s) => s.score),
    };
  }

  async unlock(subject: string): Promise<boolean> {
    const [lock] = (await redisCall(() =>
      this.client
        .multi()
        .pTTL(this.key('l', subject))
        .del([this.key('l', subject), this.key('f', subject)])
        .exec(),
    )) as unknown as [number, number];
    return Number(lock) > 0;
  }

  private sendArgs(policy: SendPolicy, now: number): (string | number)[] {
    const maxWindow = Math.max(policy.cooldownMs, ...policy.caps.map((c) => c.windowMs));
    const member = `${now}-${Math.random().toString(36).slice(2, 8)}`;
    return [now, policy.cooldownMs, member, maxWindow, ...policy.caps.flatMap((c) => [c.windowMs, c.max])];
  }

  override async reserveSendUnlessLocked(identifier: string, policy: SendPolicy, now: number) {
    const [lockedMs, waitMs] = (await this.eval(
      RESERVE_SEND_UNLESS_LOCKED,
      [this.key('s', identifier), this.key('l', identifier)],
      this.sendArgs(policy, now),
    )) as number[];
    return { lockedMs: Number(lockedMs), waitMs: Number(waitMs) };
  }

  /**
   * The key of a challenge (`c`: by its id, tagged with the id's slot tag) or of an account's
   * counter (`f`, `l`, `s`: by subject, tagged with its account's). `tag` overrides the tag (a
   * challenge's subject keys take the challenge's).
   */
  protected key(kind: string, id: string, tag?: string): string {
    return RedisOtpStore.keyOf(kind, id, this.prefix, tag);
  }

  /** {@link key} for a given prefix: for tools and tests that read the store's keys. */
  static keyOf(kind: string, id: string, prefix = 'otp:', tag?: string): string {
    const t = tag ?? (kind === 'c' ? tagOfId(id) : slotTag(id.split('#')[0]));
    return t ? `${prefix}{${t}}${kind}:${id}` : `${prefix}${kind}:${id}`;
  }

  private toChallenge(id: string, h: Record<'a' | 'x' | 'p' | 'i' | 'f' | 'm' | 'n', string>): Challenge {
    return {
      id,
      purpose: h.p as Challenge['purpose'],
      identifier: h.i,
      factor: h.f as Challenge['factor'],
      expiresAt: Number(h.x),
      attemptsRemaining: Number(h.a),
      sends: Number(h.n),
      ...(h.m ? { meta: JSON.parse(h.m) as Record<string, string> } : {}),
    };
  }

  private eval(script: RedisScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return script.run(this.client, keys, args);
  }
}

/** An account's slot tag: the first 48 bits of SHA-256 of its identifier, base64url. */
export function slotTag(identifier: string): string {
  return createHash('sha256').update(identifier).digest('base64url').slice(0, TAG_LENGTH);
}

/** The slot tag a challenge id starts with ({@link RedisOtpStore.newId}); none for another id's shape. */
function tagOfId(id: string): string | undefined {
  return id.length === TAG_LENGTH + 22 ? id.slice(0, TAG_LENGTH) : undefined;
}
