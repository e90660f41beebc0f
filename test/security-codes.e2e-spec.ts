/**
 * Security rules about one-time codes, end to end against the real app, a real Redis and a real
 * SMTP server (codes are read from the delivered mail): expiry (in real time, and on the app's
 * clock), attempts, the per-identifier lock (email and password mode, known and unknown
 * addresses), resend cooldown and caps, single use under concurrency, binding of a code to its
 * session's challenge, storage as HMAC only, and codes never reaching the logs.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PasswordService, UserStore } from '../src/auth/index.js';
import { MailDispatcher } from '../src/mail/index.js';
import { SettableClock } from '../src/testing/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { type RedisClient } from '../src/redis/index.js';
import { otpKey, connectTestRedis } from './support/redis.js';

/** `METHOD /path -> status` of an answer, for failure messages (supertest keeps the request, untyped). */
function what(res: Response): string {
  const req = (res as unknown as { req: { method: string; path: string } }).req;
  return `${req.method} ${req.path} -> ${res.status}`;
}

type Agent = ReturnType<TestApp['agent']>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A code of the same length that is certainly not `code` (a random one when `code` is unknown). */
function wrongCode(code?: string, length = 6): string {
  if (!code) return String(Math.floor(Math.random() * 10 ** length)).padStart(length, '0');
  return String((Number(code) + 1) % 10 ** length).padStart(length, '0');
}

/** The session id inside a `sid=s:<id>.<signature>` Set-Cookie of a response. */
function sessionIdOf(res: Response, name = 'sid'): string {
  const raw = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
  if (!raw) throw new Error(`no ${name} cookie set by ${what(res)}`);
  const value = decodeURIComponent(raw.slice(name.length + 1).split(';')[0]);
  return value.slice(2, value.lastIndexOf('.'));
}

/** What an answer says, without what legitimately differs between runs (times, Retry-After values). */
function summary(res: Response): string {
  const b = res.body as { error?: string; status?: string; attemptsRemaining?: number };
  const parts = [String(res.status), b.error ?? b.status ?? '-'];
  if (b.attemptsRemaining !== undefined) parts.push(`left=${b.attemptsRemaining}`);
  if (res.headers['retry-after'] !== undefined) parts.push('retry-after');
  return parts.join(' ');
}

const retryAfter = (res: Response) => Number(res.headers['retry-after']);

let redis: RedisClient;
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(() => redis?.destroy());

describe('expiry (OTP_TTL_SECONDS=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_TTL_SECONDS: '1', OTP_RESEND_SECONDS: '1' });
  });
  afterAll(() => t.close());

  it('refuses the right code with 410 challenge_expired once the TTL has passed', async () => {
    const email = uniqueEmail('expiry');
    const agent = t.agent();
    const startedAt = Date.now();
    const start = await agent.post('/auth').send({ email });
    expect(start.status).toBe(200);
    expect(Date.parse(start.body.expiresAt) - startedAt).toBeLessThanOrEqual(1500);
    // Still pending before the deadline.
    expect((await agent.get('/verify')).status).toBe(200);
    const code = await t.codeFor(email);

    await sleep(Math.max(0, startedAt + 1200 - Date.now()));
    const late = await agent.post('/verify').send({ code });
    expect(late.status).toBe(410);
    expect(late.body.error).toBe('challenge_expired');
    // And it stays gone: no resend; the page says why and offers to start again (no dead end).
    const page = await agent.get('/verify');
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="ended"');
    expect(page.text).toContain('action="/verify/restart"');
    expect((await agent.post('/verify/resend').set('Accept', 'application/json')).status).toBe(410);
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(401);
  });
});

describe.each([
  ['Redis', {}],
  ['the in-process stores', { REDIS_URL: undefined }],
])("expiry on the app's clock (the testing kit's SettableClock, %s)", (_stores, env) => {
  const clock = new SettableClock();
  let t: TestApp;
  let ttlMs: number;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', ...env }, { clock });
    ttlMs = t.config.otp.ttlSeconds * 1000;
  });
  beforeEach(() => clock.set(Date.now()));
  afterAll(() => t.close());

  it('clock.advance(ttl) expires the code at once: 410 challenge_expired, reason expired', async () => {
    const email = uniqueEmail('clock-expiry');
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email });
    expect(start.status).toBe(200);
    // The deadline is the clock's, OTP_TTL_SECONDS after it.
    expect(Date.parse(start.body.expiresAt)).toBe(clock.now() + ttlMs);
    const code = await t.codeFor(email);

    clock.advance(ttlMs);
    const late = await agent.post('/verify').send({ code });
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: 'challenge_expired', reason: 'expired' });
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(401);
  });

  it('the code still works one second before the clock reaches its deadline', async () => {
    const email = uniqueEmail('clock-in-time');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    const code = await t.codeFor(email);

    clock.advance(ttlMs - 1000);
    const verified = await agent.post('/verify').send({ code });
    expect(verified.status).toBe(200);
    expect(verified.body.status).toBe('authenticated');
  });

  it('a clock an hour behind real time still mails the code, with its real time left', async () => {
    clock.set(Date.now() - 3_600_000);
    const email = uniqueEmail('clock-behind');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    const mail = await t.mailTo(email);
    expect(mail.text).toContain(`${t.config.otp.ttlSeconds / 60} minutes`);
    expect((await agent.post('/verify').send({ code: mail.code })).body.status).toBe('authenticated');
  });
});

describe('email mode, closed sign-up (OTP_RESEND_SECONDS=1)', () => {
  const OTP_SECRET = randomBytes(32).toString('base64url');
  let t: TestApp;
  /** An address with an account (sign-up is closed, so it is made in the store directly). */
  const knownEmail = async (tag: string) => {
    const email = uniqueEmail(tag);
    expect(await t.app.get(UserStore).create({ email, createdAt: Date.now() })).toBe(true);
    return email;
  };
  const start = (agent: Agent, email: string) => agent.post('/auth').send({ email });
  const verify = (agent: Agent, code: string) => agent.post('/verify').send({ code });
  const resend = (agent: Agent) => agent.post('/verify/resend').set('Accept', 'application/json');

  beforeAll(async () => {
    t = await createTestApp({
      AUTH_FIRST_FACTOR: 'email',
      AUTH_SIGNUP: 'closed',
      OTP_RESEND_SECONDS: '1',
      OTP_SECRET,
    });
  });
  afterAll(() => t.close());

  describe('attempts', () => {
    it('counts down 4, 3, 2, 1, 0 on wrong codes, then the challenge is gone (410), even for the right code', async () => {
      const email = await knownEmail('attempts');
      const agent = t.agent();
      expect((await start(agent, email)).status).toBe(200);
      const code = await t.codeFor(email);
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await verify(agent, wrongCode(code));
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('invalid_code');
        seen.push(res.body.attemptsRemaining);
      }
      expect(seen).toEqual([4, 3, 2, 1, 0]);
      const after = await verify(agent, code);
      expect(after.status).toBe(410);
      expect(after.body.error).toBe('challenge_expired');
      expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(401);
    });

    it('answers malformed codes 400 validation_failed without spending an attempt or counting a failure', async () => {
      const email = await knownEmail('malformed');
      const agent = t.agent();
      expect((await start(agent, email)).status).toBe(200);
      const code = await t.codeFor(email);
      const malformed: unknown[] = ['abcdef', '12a456', '12345', '1234567', '', '１２３４５６', 123456, [code], null];
      for (const bad of malformed) {
        const res = await agent.post('/verify').send({ code: bad });
        expect(res.status, `code ${JSON.stringify(bad)}`).toBe(400);
        expect(res.body.error).toBe('validation_failed');
      }
      // Nothing was spent: the first wrong code still leaves 4, and the identifier has one failure.
      const wrong = await verify(agent, wrongCode(code));
      expect(wrong.status).toBe(401);
      expect(wrong.body.attemptsRemaining).toBe(4);
      expect(await redis.get(otpKey('f', email))).toBe('1');
      // A pasted code with a space or dash in the middle is the same code, not a malformed one.
      const ok = await verify(agent, `${code.slice(0, 3)} ${code.slice(3)}`);
      expect(ok.status).toBe(200);
    });
  });

  describe('lock across sessions, challenges and resends', () => {
    /**
     * Ten wrong codes for one address over three sessions and challenges (5 + 4 + 1), then the
     * right codes and a new start while locked. Returns what each answer said.
     */
    async function lockOut(email: string, known: boolean) {
      const log: string[] = [];
      const [a, b, c] = [t.agent(), t.agent(), t.agent()];
      const codes: Record<string, string | undefined> = {};
      for (const [name, agent] of [
        ['a', a],
        ['b', b],
        ['c', c],
      ] as const) {
        if (name !== 'a') await sleep(1050); // the per-identifier send cooldown
        const res = await start(agent, email);
        log.push(`start ${name}: ${summary(res)}`);
        codes[name] = known ? await t.codeFor(email) : undefined;
      }
      for (let i = 0; i < 5; i++) log.push(`a wrong: ${summary(await verify(a, wrongCode(codes.a)))}`);
      log.push(`a again: ${summary(await verify(a, wrongCode(codes.a)))}`);
      for (let i = 0; i < 4; i++) log.push(`b wrong: ${summary(await verify(b, wrongCode(codes.b)))}`);
      const tenth = await verify(c, wrongCode(codes.c));
      log.push(`c wrong (10th): ${summary(tenth)}`);

      const rightC = await verify(c, codes.c ?? wrongCode());
      const rightB = await verify(b, codes.b ?? wrongCode());
      const wrongC = await verify(c, wrongCode(codes.c));
      const restart = await start(t.agent(), email);
      for (const [what, res] of [
        ['c right', rightC],
        ['b right', rightB],
        ['c wrong', wrongC],
        ['new start', restart],
      ] as const) {
        log.push(`locked, ${what}: ${summary(res)}`);
        expect(retryAfter(res), what).toBeGreaterThan(850);
        expect(retryAfter(res), what).toBeLessThanOrEqual(900); // 15 minutes
        expect(res.body.retryAfter, what).toBe(retryAfter(res));
      }
      // A correct code during a lock looks exactly like a wrong one.
      expect(Object.keys(rightC.body).sort()).toEqual(Object.keys(wrongC.body).sort());
      expect(rightC.body.message).toBe(wrongC.body.message);

      // The lock grows: once it has run out (simulated by removing it), the next failure locks for twice as long.
      expect(await redis.del(otpKey('l', email))).toBe(1);
      log.push(`after the lock, b wrong (11th): ${summary(await verify(b, wrongCode(codes.b)))}`);
      const longer = await verify(c, codes.c ?? wrongCode());
      log.push(`locked again, c right: ${summary(longer)}`);
      expect(retryAfter(longer)).toBeGreaterThan(1750);
      expect(retryAfter(longer)).toBeLessThanOrEqual(1800); // 30 minutes
      return log;
    }

    it('locks an address at its 10th wrong answer; known and unknown addresses answer alike', async () => {
      const known = await knownEmail('lock-known');
      const unknown = uniqueEmail('lock-unknown');
      const [knownLog, unknownLog] = await Promise.all([lockOut(known, true), lockOut(unknown, false)]);
      expect(knownLog).toEqual([
        'start a: 200 code_sent',
        'start b: 200 code_sent',
        'start c: 200 code_sent',
        'a wrong: 401 invalid_code left=4',
        'a wrong: 401 invalid_code left=3',
        'a wrong: 401 invalid_code left=2',
        'a wrong: 401 invalid_code left=1',
        'a wrong: 401 invalid_code left=0',
        'a again: 410 challenge_expired',
        'b wrong: 401 invalid_code left=4',
        'b wrong: 401 invalid_code left=3',
        'b wrong: 401 invalid_code left=2',
        'b wrong: 401 invalid_code left=1',
        'c wrong (10th): 401 invalid_code left=4',
        'locked, c right: 429 locked retry-after',
        'locked, b right: 429 locked retry-after',
        'locked, c wrong: 429 locked retry-after',
        'locked, new start: 429 locked retry-after',
        'after the lock, b wrong (11th): 401 invalid_code left=0',
        'locked again, c right: 429 locked retry-after',
      ]);
      expect(unknownLog).toEqual(knownLog);
      // Closed sign-up: the unknown address never got a mail.
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(unknown)).toEqual([]);
      // Three codes, and the owner's notices that signing in was paused (at the 10th and 11th failures).
      const subjects = t.smtp.mailsTo(known).map((m) => m.subject);
      expect(subjects.filter((s) => /sign-in code/i.test(s))).toHaveLength(3);
      expect(subjects.filter((s) => /paused/i.test(s))).toHaveLength(2);
      expect(subjects).toHaveLength(5);
    });
  });

  describe('resend', () => {
    it('answers 429 rate_limited with Retry-After during the cooldown; the pending code still works', async () => {
      const email = await knownEmail('cooldown');
      const agent = t.agent();
      expect((await start(agent, email)).status).toBe(200);
      const early = await resend(agent);
      expect(early.status).toBe(429);
      expect(early.body.error).toBe('rate_limited');
      expect(retryAfter(early)).toBe(1);
      // A second start for the same address, from another session, is held by the same cooldown.
      const again = await start(t.agent(), email);
      expect(again.status).toBe(429);
      expect(again.body.error).toBe('rate_limited');
      expect(retryAfter(again)).toBeGreaterThanOrEqual(1);
      const code = await t.codeFor(email);
      expect((await verify(agent, code)).status).toBe(200);
      await t.app.get(MailDispatcher).drain(2000);
      // No second code was issued (delivery is at least once: a retried send repeats the same code;
      // a security notice, if one follows the sign-in, carries none).
      const codes = t.smtp.mailsTo(email).flatMap((m) => (m.code ? [m.code] : []));
      expect(new Set(codes)).toEqual(new Set([code]));
    });

    it('holds unknown addresses to the same cooldown', async () => {
      const email = uniqueEmail('cooldown-unknown');
      const agent = t.agent();
      expect((await start(agent, email)).status).toBe(200);
      const early = await resend(agent);
      expect(early.status).toBe(429);
      expect(early.body.error).toBe('rate_limited');
      expect(retryAfter(early)).toBe(1);
      const again = await start(t.agent(), email);
      expect(again.status).toBe(429);
      expect(again.body.error).toBe('rate_limited');
      expect(again.headers['retry-after']).toBeDefined();
    });

    it('after the cooldown sends a new code beside the old one, without restoring attempts or moving the deadline', async () => {
      const email = await knownEmail('resend');
      const agent = t.agent();
      const started = await start(agent, email);
      expect(started.status).toBe(200);
      const first = await t.codeFor(email);
      expect((await verify(agent, wrongCode(first))).body.attemptsRemaining).toBe(4);

      await sleep(1050);
      const again = await resend(agent);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'code_sent', resendAfter: 1 });
      const second = await t.codeFor(email);

      // The deadline is still the one the first answer gave: in the stored challenge, and in its key's expiry.
      const { pending } = JSON.parse((await redis.get(`sess:${sessionIdOf(started)}`))!) as { pending: { id: string } };
      const key = otpKey('c', pending.id);
      expect(Number(await redis.hGet(key, 'x'))).toBe(Date.parse(started.body.expiresAt));
      const ttl = await redis.pTTL(key);
      expect(ttl).toBeGreaterThan(0);
      // A moved deadline would be OTP_TTL_SECONDS later; 1 s covers the two clocks and a busy machine.
      expect(ttl).toBeLessThanOrEqual(Date.parse(started.body.expiresAt) - Date.now() + 1000);

      // Not restored by the resend: the next wrong answer leaves 3.
      expect((await verify(agent, wrongCode(second))).body.attemptsRemaining).toBe(3);
      // The earlier code still counts (OTP_VALID_CODES defaults to 3); using it ends the challenge.
      const ok = await verify(agent, first);
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('authenticated');
    });

    it('answers 410 when no challenge is pending', async () => {
      const fresh = await resend(t.agent());
      expect(fresh.status).toBe(410);
      expect(fresh.body.error).toBe('challenge_expired');
      const verifyFresh = await verify(t.agent(), '123456');
      expect(verifyFresh.status).toBe(410);
    });

    it('caps sends at 5 an hour per address, across POST /auth and POST /verify/resend', async () => {
      const email = await knownEmail('hourly');
      const [a, b] = [t.agent(), t.agent()];
      const answers: number[] = [];
      answers.push((await start(a, email)).status);
      for (const send of [() => resend(a), () => start(b, email), () => resend(b), () => resend(a)]) {
        await sleep(1050);
        answers.push((await send()).status);
      }
      expect(answers).toEqual([200, 200, 200, 200, 200]);
      await sleep(1050);
      const sixth = await resend(a);
      expect(sixth.status).toBe(429);
      expect(sixth.body.error).toBe('rate_limited');
      expect(retryAfter(sixth)).toBeGreaterThan(3500);
      expect(retryAfter(sixth)).toBeLessThanOrEqual(3600);
      const viaAuth = await start(t.agent(), email);
      expect(viaAuth.status).toBe(429);
      expect(retryAfter(viaAuth)).toBeGreaterThan(3500);
      await t.app.get(MailDispatcher).drain(2000);
      expect(t.smtp.mailsTo(email)).toHaveLength(5);
    });

    it('caps sends at 10 a day per address', async () => {
      const email = await knownEmail('daily');
      // Ten sends spread over the last day, none in the last hour (so the hourly cap allows one more).
      const now = Date.now();
      const hour = 3_600_000;
      await redis.zAdd(
        otpKey('s', email),
        Array.from({ length: 10 }, (_, i) => ({ score: now - (20 - i) * hour, value: `seed-${i}` })),
      );
      await redis.pExpire(otpKey('s', email), 86_400_000);
      const res = await start(t.agent(), email);
      expect(res.status).toBe(429);
      expect(res.body.error).toBe('rate_limited');
      // The oldest send (20 h ago) leaves the 24 h window in about 4 hours.
      expect(retryAfter(res)).toBeGreaterThan(4 * 3600 - 60);
      expect(retryAfter(res)).toBeLessThanOrEqual(4 * 3600);
    });
  });

  describe('single use', () => {
    it('of 16 parallel submissions of the right code on one session, exactly one succeeds', async () => {
      const email = await knownEmail('parallel');
      const agent = t.agent();
      const started = await start(agent, email);
      expect(started.status).toBe(200);
      const pendingId = sessionIdOf(started);
      const code = await t.codeFor(email);
      const answers = await Promise.all(Array.from({ length: 16 }, () => verify(agent, code)));
      const winners = answers.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      for (const res of answers.filter((r) => r.status !== 200)) {
        expect(res.status).toBe(410);
        expect(res.body.error).toBe('challenge_expired');
      }
      // Only the winner's new session is signed in; the id the 16 requests shared never is.
      const winnerId = sessionIdOf(winners[0]);
      expect(winnerId).not.toBe(pendingId);
      expect(JSON.parse((await redis.get(`sess:${winnerId}`))!).user).toMatchObject({ email });
      const old = await redis.get(`sess:${pendingId}`);
      expect(old === null ? undefined : JSON.parse(old).user).toBeUndefined();
    });
  });

  describe('binding', () => {
    it('completes only the challenge of the session that asked for the code', async () => {
      const email = await knownEmail('binding');
      const [a, b, c] = [t.agent(), t.agent(), t.agent()];
      expect((await start(a, email)).status).toBe(200);
      const codeA = await t.codeFor(email);
      await sleep(1050);
      expect((await start(b, email)).status).toBe(200);
      const codeB = await t.codeFor(email);

      if (codeA !== codeB) {
        const crossed = await verify(b, codeA);
        expect(crossed.status).toBe(401);
        expect(crossed.body).toMatchObject({ error: 'invalid_code', attemptsRemaining: 4 });
        expect((await b.get('/me').set('Accept', 'application/json')).status).toBe(401);
      }
      // A session with no challenge of its own cannot use it either.
      expect((await verify(c, codeA)).status).toBe(410);
      // Each code still completes its own session.
      expect((await verify(a, codeA)).status).toBe(200);
      expect((await verify(b, codeB)).status).toBe(200);
    });
  });

  describe('storage', () => {
    it('keeps only HMAC-SHA256(OTP_SECRET, purpose|challenge|identifier|code) in Redis, with a TTL', async () => {
      const email = await knownEmail('storage');
      const agent = t.agent();
      const res = await start(agent, email);
      expect(res.status).toBe(200);
      const code = await t.codeFor(email);
      const session = JSON.parse((await redis.get(`sess:${sessionIdOf(res)}`))!) as {
        pending: { id: string; purpose: string; identifier: string };
      };
      expect(session.pending).toMatchObject({ purpose: 'sign-in', identifier: email });
      const key = otpKey('c', session.pending.id);
      const stored = await redis.hGetAll(key);
      const expected = createHmac('sha256', OTP_SECRET)
        .update(`sign-in|${session.pending.id}|${email}|${code}`)
        .digest('base64url');
      // The code's digest, and beside it the digest of the mail's sign-in link (newest first).
      const digests = stored.d.split(' ');
      expect(digests).toHaveLength(2);
      expect(digests[0]).toBe(expected);
      for (const value of [...Object.values(stored), JSON.stringify(session)]) expect(value).not.toContain(code);
      const ttl = await redis.pTTL(key);
      expect(ttl).toBeGreaterThan(590_000);
      expect(ttl).toBeLessThanOrEqual(600_000);
      expect((await verify(agent, code)).status).toBe(200);
      expect(await redis.exists(key)).toBe(0);
    });
  });
});

describe('password mode', () => {
  let t: TestApp;
  const PASSWORD = 'correct horse battery';
  const knownUser = async (tag: string) => {
    const email = uniqueEmail(tag);
    const passwordHash = await t.app.get(PasswordService).hash(PASSWORD);
    expect(await t.app.get(UserStore).create({ email, passwordHash, createdAt: Date.now() })).toBe(true);
    return email;
  };
  const auth = (agent: Agent, email: string, password: string) => agent.post('/auth').send({ email, password });

  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'password' }); // default cooldown: 60 s
  });
  afterAll(() => t.close());

  it('counts wrong passwords and wrong codes toward one lock, checking validation, lock, password, cooldown in that order', async () => {
    const email = await knownUser('order');
    const a = t.agent();
    const bad = { email, password: 'short' };

    // Validation first: a malformed request is 400 and counts nothing.
    expect((await t.agent().post('/auth').send(bad)).status).toBe(400);
    for (let i = 0; i < 4; i++) {
      const res = await auth(t.agent(), email, 'wrong password!');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_credentials');
    }
    const ok = await auth(a, email, PASSWORD);
    expect(ok.status).toBe(200);
    const code = await t.codeFor(email);

    // Not locked, in the cooldown: the password is checked before the cooldown.
    const wrongInCooldown = await auth(t.agent(), email, 'wrong password!');
    expect(wrongInCooldown.status).toBe(401);
    expect(wrongInCooldown.body.error).toBe('invalid_credentials');
    const rightInCooldown = await auth(t.agent(), email, PASSWORD);
    expect(rightInCooldown.status).toBe(429);
    expect(rightInCooldown.body.error).toBe('rate_limited');
    expect(retryAfter(rightInCooldown)).toBeGreaterThan(50);

    // Four wrong codes: failures 6 to 9. The 10th, a wrong password, is still an ordinary 401.
    for (let i = 0; i < 4; i++) expect((await a.post('/verify').send({ code: wrongCode(code) })).status).toBe(401);
    const tenth = await auth(t.agent(), email, 'wrong password!');
    expect(tenth.status).toBe(401);
    expect(tenth.body.error).toBe('invalid_credentials');

    // Locked: right or wrong password, right code, all 429 locked; validation still comes first.
    for (const res of [
      await auth(t.agent(), email, PASSWORD),
      await auth(t.agent(), email, 'wrong password!'),
      await a.post('/verify').send({ code }),
    ]) {
      expect(res.status).toBe(429);
      expect(res.body.error).toBe('locked');
      expect(retryAfter(res)).toBeGreaterThan(850);
      expect(retryAfter(res)).toBeLessThanOrEqual(900);
    }
    const invalid = await t.agent().post('/auth').send(bad);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toBe('validation_failed');

    // The back-off grows: after the lock, one more wrong password locks for 30 minutes.
    expect(await redis.del(otpKey('l', email))).toBe(1);
    expect((await auth(t.agent(), email, 'wrong password!')).status).toBe(401);
    const longer = await auth(t.agent(), email, PASSWORD);
    expect(longer.status).toBe(429);
    expect(longer.body.error).toBe('locked');
    expect(retryAfter(longer)).toBeGreaterThan(1750);
    expect(retryAfter(longer)).toBeLessThanOrEqual(1800);
  });

  it('locks an unknown email exactly like a known one', async () => {
    const known = await knownUser('pw-lock-known');
    const unknown = uniqueEmail('pw-lock-unknown');
    const run = async (email: string) => {
      const log: string[] = [];
      for (let i = 0; i < 10; i++) log.push(summary(await auth(t.agent(), email, 'wrong password!')));
      log.push(summary(await auth(t.agent(), email, PASSWORD)));
      return log;
    };
    const [k, u] = await Promise.all([run(known), run(unknown)]);
    expect(k).toEqual([...Array(10).fill('401 invalid_credentials'), '429 locked retry-after']);
    expect(u).toEqual(k);
  });
});

describe('codes never reach the logs', () => {
  /** Captures (and keeps off the console) what Nest writes to stdout and stderr: its ConsoleLogger writes there directly. */
  function captureOutput() {
    let out = '';
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
        out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }),
    );
    return { text: () => out, restore: () => spies.forEach((s) => s.mockRestore()) };
  }

  it('logs no code at LOG_LEVEL=verbose through a sign-in with a wrong code and a resend (SMTP)', async () => {
    const output = captureOutput();
    let t: TestApp | undefined;
    try {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', LOG_LEVEL: 'verbose', OTP_RESEND_SECONDS: '1' });
      const email = uniqueEmail('logs');
      const agent = t.agent();
      expect((await agent.post('/auth').send({ email })).status).toBe(200);
      const first = await t.codeFor(email);
      expect((await agent.post('/verify').send({ code: wrongCode(first) })).status).toBe(401);
      await sleep(1050);
      expect((await agent.post('/verify/resend').set('Accept', 'application/json')).status).toBe(200);
      const second = await t.codeFor(email);
      expect((await agent.post('/verify').send({ code: second })).status).toBe(200);
      await t.close();
      t = undefined;
      const logs = output.text();
      expect(logs).toMatch(/Nest application successfully started|Mapped \{\/verify, POST\} route/); // the capture works
      expect(logs).not.toContain(first);
      expect(logs).not.toContain(second);
    } finally {
      output.restore();
      await t?.close();
    }
  });

  it('logs no code with the development outbox either (the code is only in GET /dev/outbox)', async () => {
    const output = captureOutput();
    let t: TestApp | undefined;
    try {
      t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', LOG_LEVEL: 'verbose', SMTP_URL: undefined });
      const email = uniqueEmail('outbox-logs');
      const agent = t.agent();
      expect((await agent.post('/auth').send({ email })).status).toBe(200);
      let mail: { to: string; text: string } | undefined;
      for (let i = 0; i < 50 && !mail; i++) {
        const outbox = await agent.get('/dev/outbox').set('Accept', 'application/json');
        mail = (outbox.body.mails as { to: string; text: string }[]).find((m) => m.to === email);
        if (!mail) await sleep(20);
      }
      const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
      expect(code).toBeDefined();
      expect((await agent.post('/verify').send({ code })).status).toBe(200);
      const logs = output.text();
      expect(logs).toContain(`A mail to ${email}`); // the outbox logged the mail...
      expect(logs).not.toContain(code!); // ...but not its code
    } finally {
      output.restore();
      await t?.close();
    }
  });
});
