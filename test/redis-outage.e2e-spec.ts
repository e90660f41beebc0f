/**
 * Redis going away and coming back, against a dedicated redis-server the test stops and starts:
 * readiness turns 503, the sign-in routes answer 503 `unavailable` quickly (no offline queue),
 * protected routes see "signed out" and are never reached, nothing crashes, and everything works
 * again when Redis returns, without restarting the app.
 */
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { startRedisServer, type RedisProcess } from './support/redis.js';

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
    redis = await startRedisServer();
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', REDIS_URL: redis.url });
  }, 30_000);
  afterAll(async () => {
    await redis?.start(); // so the app closes against a live server
    await t?.close();
    await redis?.stop();
  });

  it('is ready while Redis answers', async () => {
    const res = await ready();
    expect(res.status).toBe(200);
    expect(res.body.info?.redis?.status).toBe('up');
  });

  describe('while Redis is down', () => {
    let signedIn: { agent: Agent; email: string };
    let pending: Agent;
    let pendingCode: string;
    let formAgent: Agent;
    let formToken: string;

    beforeAll(async () => {
      signedIn = await signIn();
      pending = t.agent();
      const email = uniqueEmail('outage-pending');
      expect((await pending.post('/auth').send({ email })).status).toBe(200);
      pendingCode = await t.codeFor(email);
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
        ['POST /auth, pending session', pending.post('/auth').send({ email: uniqueEmail('outage-again') })],
        ['POST /verify, right code', pending.post('/verify').send({ code: pendingCode })],
        ['POST /verify/resend', pending.post('/verify/resend').set('Accept', 'application/json')],
        ['POST /verify/resend, JSON body', pending.post('/verify/resend').send({})],
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
            : pending.post('/verify').send({ code: pendingCode }),
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
      const verifyPage = await pending.get('/verify');
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
  });
});
