/**
 * Redis going away and coming back, against a dedicated redis-server the test kills (SIGKILL) and
 * starts again, with an append-only file fsynced before each answer, so that what it told a client
 * was written survives and nothing else:
 * - while it is down, readiness turns 503, the sign-in routes answer 503 `unavailable` quickly (no
 *   offline queue), protected routes see "signed out" and are never reached, nothing crashes, and
 *   everything works again when Redis returns, without restarting the app;
 * - a sign-in interrupted between its steps is resumed with the code mailed before: it completes,
 *   the attempts spent on 503s are all still there;
 * - a sign-in interrupted inside `POST /auth` (a gate cuts Redis right after one of its writes):
 *   after the session record, it answered 503 and mailed nothing, and resumed it answers 410 and a
 *   restart signs in; after the challenge, it answered 200 and the code mailed signs in;
 * - a sign-in interrupted inside `POST /verify` (a gate cuts Redis right after it took the code)
 *   answers 410 when resumed, and a restart signs in.
 * Each time the keys are read: no challenge without its session, no session signed in beside a live
 * challenge, no account or index entry half made.
 */
import { createClient } from 'redis';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { sessionIdOf } from './support/mfa.js';
import { otpKey, startRedisServer, type RedisProcess } from './support/redis.js';
import { RedisGate } from './support/redis-gate.js';
import { slotTag } from '../src/otp/redis-otp.store.js';

type Agent = ReturnType<TestApp['agent']>;

/** The contract's bound for a 503 while Redis is down is 2 s; allow some scheduling slack. */
const BOUND_MS = 2500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a request and measures its wall time. */
async function timed(req: PromiseLike<Response>): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  const res = await req;
  return { res, ms: performance.now() - started };
}

/** Polls until `check` is true or `timeoutMs` has passed; returns the last result. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** What a Redis holds of one address's sign-in. */
interface SignInKeys {
  /** Its live challenges (`otp:...c:<id>` hashes), with the attempts each has left. */
  challenges: { id: string; attempts: number }[];
  /** The session records (`sess:<id>`) that name it: waiting on a challenge, or signed in. */
  sessions: { sid: string; pending?: string; signedIn: boolean }[];
  /** Its account (`user:<email>`) exists. */
  account: boolean;
  /** The session ids its account's index (`si:<email>`) lists. */
  indexed: string[];
}

/** Reads {@link SignInKeys} of `email` from the Redis at `url` (a dedicated one: every key is scanned). */
async function keysOf(url: string, email: string): Promise<SignInKeys> {
  const client = createClient({ url });
  await client.connect();
  try {
    const found: SignInKeys = { challenges: [], sessions: [], account: false, indexed: [] };
    for await (const keys of client.scanIterator({ MATCH: 'otp:*', COUNT: 500 })) {
      for (const key of keys) {
        if ((await client.type(key)) !== 'hash' || (await client.hGet(key, 'i')) !== email) continue;
        const attempts = Number(await client.hGet(key, 'a'));
        found.challenges.push({ id: key.slice(key.lastIndexOf('c:') + 2), attempts });
      }
    }
    for await (const keys of client.scanIterator({ MATCH: 'sess:*', COUNT: 500 })) {
      for (const key of keys) {
        const record = JSON.parse((await client.get(key)) ?? '{}') as {
          pending?: { id: string; identifier: string };
          user?: { email: string };
        };
        if (record.pending?.identifier !== email && record.user?.email !== email) continue;
        found.sessions.push({
          sid: key.slice('sess:'.length),
          ...(record.pending ? { pending: record.pending.id } : {}),
          signedIn: record.user?.email === email,
        });
      }
    }
    found.account = (await client.exists(`user:${email}`)) === 1;
    found.indexed = await client.zRange(`si:${email}`, 0, -1);
    return found;
  } finally {
    client.destroy();
  }
}

describe('Redis outage (a dedicated redis-server)', () => {
  let redis: RedisProcess;
  let t: TestApp;
  const ready = () => request(t.http).get('/health/ready');
  const live = () => request(t.http).get('/health/live');
  const me = (agent: Agent) => agent.get('/me').set('Accept', 'application/json');

  async function signIn(): Promise<{ agent: Agent; email: string }> {
    const email = uniqueEmail('outage');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    expect((await agent.post('/verify').send({ code: await t.codeFor(email) })).status).toBe(200);
    return { agent, email };
  }

  beforeAll(async () => {
    redis = await startRedisServer([], { persistent: true });
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', REDIS_URL: redis.url });
  }, 30_000);
  afterAll(async () => {
    await redis?.start(); // so the app closes against a live server
    await t?.close();
    await redis?.remove();
  });

  /** A sign-in waiting on its emailed code when Redis went away: resumed once it is back. */
  const pending = {} as { agent: Agent; email: string; code: string; sid: string; challenge: string };

  it('is ready while Redis answers', async () => {
    const res = await ready();
    expect(res.status).toBe(200);
    expect(res.body.info?.redis?.status).toBe('up');
  });

  describe('while Redis is down', () => {
    let signedIn: { agent: Agent; email: string };
    let pendingAgent: Agent;
    let pendingCode: string;
    let formAgent: Agent;
    let formToken: string;

    beforeAll(async () => {
      signedIn = await signIn();
      pending.agent = pendingAgent = t.agent();
      pending.email = uniqueEmail('outage-pending');
      const started = await pendingAgent.post('/auth').send({ email: pending.email });
      expect(started.status).toBe(200);
      pending.sid = sessionIdOf(started);
      pending.code = pendingCode = await t.codeFor(pending.email);
      const keys = await keysOf(redis.url, pending.email);
      expect(keys.challenges).toHaveLength(1);
      pending.challenge = keys.challenges[0].id;
      formAgent = t.agent();
      formToken = /name="_csrf" value="([^"]+)"/.exec((await formAgent.get('/auth')).text)![1];

      await redis.stop();
    });

    it('reports not ready (503) while live stays 200', async () => {
      const { res, ms } = await timed(ready());
      expect(res.status).toBe(503);
      expect(ms).toBeLessThan(BOUND_MS);
      expect((await live()).status).toBe(200);
    });

    it('answers POST /auth, /verify and /verify/resend 503 unavailable with Retry-After, quickly', async () => {
      const attempts: [string, PromiseLike<Response>][] = [
        [
          'POST /auth, new session',
          t
            .agent()
            .post('/auth')
            .send({ email: uniqueEmail('outage-new') }),
        ],
        ['POST /auth, pending session', pendingAgent.post('/auth').send({ email: uniqueEmail('outage-again') })],
        ['POST /verify, right code', pendingAgent.post('/verify').send({ code: pendingCode })],
        ['POST /verify/resend', pendingAgent.post('/verify/resend').set('Accept', 'application/json')],
        ['POST /verify/resend, JSON body', pendingAgent.post('/verify/resend').send({})],
        [
          'POST /auth, form',
          formAgent
            .post('/auth')
            .type('form')
            .set('Accept', 'application/json')
            .send(`email=x%40example.test&_csrf=${formToken}`),
        ],
      ];
      for (const [what, req] of attempts) {
        const { res, ms } = await timed(req);
        expect(res.status, what).toBe(503);
        expect(res.body.error, what).toBe('unavailable');
        expect(Number(res.headers['retry-after']), what).toBeGreaterThan(0);
        expect(ms, what).toBeLessThan(BOUND_MS);
      }
      // A browser form post gets a page with the same status.
      const page = await formAgent.post('/auth').type('form').send(`email=x%40example.test&_csrf=${formToken}`);
      expect(page.status).toBe(503);
      expect(page.type).toBe('text/html');
    });

    it('does not pile requests up: 20 at once all answer 503 within the bound', async () => {
      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2
            ? t
                .agent()
                .post('/auth')
                .send({ email: uniqueEmail('burst') })
            : pendingAgent.post('/verify').send({ code: pendingCode }),
        ),
      );
      expect(performance.now() - started).toBeLessThan(BOUND_MS);
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(503));
    });

    it('treats every session as signed out: protected routes are never reached', async () => {
      const page = await signedIn.agent.get('/home');
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe('/auth');
      expect(page.text).not.toContain(signedIn.email);
      const json = await me(signedIn.agent);
      expect(json.status).toBe(401);
      expect(json.body.error).toBe('unauthenticated');
      expect(JSON.stringify(json.body)).not.toContain(signedIn.email);
      // The other routes degrade without an error page either.
      expect((await t.agent().get('/auth')).status).toBe(200);
      const verifyPage = await pendingAgent.get('/verify');
      expect(verifyPage.status).toBe(303);
      expect(verifyPage.headers.location).toBe('/auth');
      const logout = await signedIn.agent.post('/logout').set('Accept', 'application/json');
      expect(logout.status).toBe(503);
      expect(logout.body.error).toBe('unavailable');
    });

    it('keeps the process alive', async () => {
      expect((await live()).status).toBe(200);
    });
  });

  describe('when Redis comes back', () => {
    beforeAll(async () => {
      await redis.start();
    });

    it('becomes ready again within a few seconds, without a restart', async () => {
      expect(await eventually(async () => (await ready()).status === 200, 10_000)).toBe(true);
    });

    it('signs in again end to end', async () => {
      const { agent, email } = await signIn();
      const res = await me(agent);
      expect(res.status).toBe(200);
      expect(res.body.email).toBe(email);
    });

    it('resumes the sign-in it interrupted: the code mailed before signs in, and the 503s spent none of its attempts', async () => {
      const { agent, email, code, sid, challenge } = pending;
      // Back as it was when Redis went away: the challenge with all its attempts, the session waiting on it.
      expect(await keysOf(redis.url, email)).toEqual({
        challenges: [{ id: challenge, attempts: 5 }],
        sessions: [{ sid, pending: challenge, signedIn: false }],
        account: false,
        indexed: [],
      });
      const status = await agent.get('/verify/status').set('Accept', 'application/json');
      expect(status.body).toMatchObject({ status: 'pending', attemptsRemaining: 5, delivery: 'sent' });

      const res = await agent.post('/verify').send({ code });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('authenticated');
      expect((await me(agent)).body.email).toBe(email);
      // The challenge is used, the session moved to a signed-in record, the account made and indexed.
      const signedIn = sessionIdOf(res);
      expect(signedIn).not.toBe(sid);
      expect(await keysOf(redis.url, email)).toEqual({
        challenges: [],
        sessions: [{ sid: signedIn, signedIn: true }],
        account: true,
        indexed: [signedIn],
      });
    });
  });
});

describe('Redis dying in the middle of a sign-in request (a gate in front of a dedicated redis-server)', () => {
  let redis: RedisProcess;
  let gate: RedisGate;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer([], { persistent: true });
    gate = new RedisGate(redis.port);
    await gate.start();
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1', REDIS_URL: gate.url });
  }, 30_000);
  afterAll(async () => {
    await redis?.start();
    await gate?.open();
    await t?.close();
    await gate?.stop();
    await redis?.remove();
  });

  /**
   * Runs `req` with Redis dying right after it answered the first command holding `text` (SIGKILL:
   * only what it answered is kept), then brings Redis back and waits until the app is ready.
   */
  async function dyingAfter(text: string, req: PromiseLike<Response>): Promise<Response> {
    const cut = gate.cutAfter(text);
    const res = await req;
    await cut;
    await redis.stop();
    await redis.start();
    await gate.open();
    expect(await eventually(async () => (await request(t.http).get('/health/ready')).status === 200)).toBe(true);
    return res;
  }

  /** Restarts the step (past the address's 1-second cooldown since `sentAt`), and signs in with the new code. */
  async function restartAndSignIn(agent: Agent, email: string, sentAt: number): Promise<string> {
    await sleep(Math.max(0, sentAt + 1100 - Date.now()));
    const restart = await agent.post('/verify/restart').send({});
    expect(restart.status).toBe(200);
    expect(restart.body.status).toBe('code_sent');
    const done = await agent.post('/verify').send({ code: await t.codeFor(email) });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('authenticated');
    return sessionIdOf(done);
  }

  /** The keys of a completed sign-in: no challenge, one signed-in session, the account and its index entry. */
  const signedInKeys = (sid: string): SignInKeys => ({
    challenges: [],
    sessions: [{ sid, signedIn: true }],
    account: true,
    indexed: [sid],
  });

  it('inside POST /auth, once the session waits for its challenge: 503, no code mailed; resumed, the step answers 410 and a restart signs in', async () => {
    const email = uniqueEmail('outage-auth-session');
    const agent = t.agent();
    const sentAt = Date.now();
    // A new browser's first write is its session record.
    const res = await dyingAfter('sess:', agent.post('/auth').send({ email }));
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('unavailable');
    const sid = sessionIdOf(res);

    // The session waits for a challenge that was never stored: nothing else was written, nothing mailed.
    const keys = await keysOf(redis.url, email);
    expect(keys).toEqual({
      challenges: [],
      sessions: [{ sid, pending: expect.any(String) as string, signedIn: false }],
      account: false,
      indexed: [],
    });
    const again = await agent.post('/verify').send({ code: '000000' });
    expect(again.status).toBe(410);
    expect(again.body.error).toBe('challenge_expired');
    expect(t.smtp.mailsTo(email)).toEqual([]);

    const signedIn = await restartAndSignIn(agent, email, sentAt);
    expect(await keysOf(redis.url, email)).toEqual(signedInKeys(signedIn));
    expect(t.smtp.mailsTo(email)).toHaveLength(1);
  });

  it('inside POST /auth, once its challenge is stored: the code mailed signs in, and nothing else waits', async () => {
    const email = uniqueEmail('outage-auth-challenge');
    const agent = t.agent();
    const res = await dyingAfter(`otp:{${slotTag(email)}}c:`, agent.post('/auth').send({ email }));
    // The answer did not need Redis after that; the mail it could not queue is sent by the server itself.
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('code_sent');
    const sid = sessionIdOf(res);
    const code = await t.codeFor(email);

    const [challenge] = (await keysOf(redis.url, email)).challenges;
    expect(await keysOf(redis.url, email)).toEqual({
      challenges: [{ id: challenge?.id, attempts: 5 }],
      sessions: [{ sid, pending: challenge?.id, signedIn: false }],
      account: false,
      indexed: [],
    });
    const done = await agent.post('/verify').send({ code });
    expect(done.status).toBe(200);
    expect(await keysOf(redis.url, email)).toEqual(signedInKeys(sessionIdOf(done)));
    await sleep(500);
    expect(t.smtp.mailsTo(email)).toHaveLength(1);
  });

  it('inside POST /verify, right after it took the code: the code is spent and nothing else written; resumed, the step answers 410 and a restart signs in', async () => {
    const email = uniqueEmail('outage-mid-verify');
    const agent = t.agent();
    const sentAt = Date.now();
    const started = await agent.post('/auth').send({ email });
    expect(started.status).toBe(200);
    const sid = sessionIdOf(started);
    const code = await t.codeFor(email);
    const [challenge] = (await keysOf(redis.url, email)).challenges;

    // Redis answers the script that checks the code and deletes its challenge, then dies.
    const verify = await dyingAfter(otpKey('c', challenge.id), agent.post('/verify').send({ code }));
    expect(verify.status).toBe(503);
    expect(verify.body.error).toBe('unavailable');

    // The account, the signed-in session and its index entry were never written.
    expect(await keysOf(redis.url, email)).toEqual({
      challenges: [],
      sessions: [{ sid, pending: challenge.id, signedIn: false }],
      account: false,
      indexed: [],
    });
    // Resumed: the step is over and nobody is signed in; it starts again from the same address.
    const again = await agent.post('/verify').send({ code });
    expect(again.status).toBe(410);
    expect(again.body.error).toBe('challenge_expired');
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(401);
    const signedIn = await restartAndSignIn(agent, email, sentAt);
    expect(await keysOf(redis.url, email)).toEqual(signedInKeys(signedIn));
  });
});
