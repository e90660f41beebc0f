import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { startRedisServer, type RedisProcess } from './support/redis.js';

/**
 * A Redis that stops answering without closing its connections (a frozen process, a network black
 * hole) must fail as fast as one that is down: the client's own timeout does not cover commands
 * already written, so every call carries a deadline.
 */
describe('Redis frozen (SIGSTOP)', () => {
  let redis: RedisProcess;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await redis.resume().catch(() => undefined);
    await t?.close();
    await redis?.stop();
  });

  it('answers 503 within 2 seconds while frozen, then recovers when Redis thaws', async () => {
    const email = uniqueEmail();
    const agent = t.agent();
    // A session and a pending challenge made while Redis is fine.
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    const code = await t.codeFor(email);

    await redis.pause();
    try {
      for (const [path, body] of [
        ['/auth', { email: uniqueEmail() }],
        ['/verify', { code }],
        ['/verify/resend', {}],
      ] as const) {
        const started = Date.now();
        const res = await agent.post(path).send(body);
        expect(res.status, path).toBe(503);
        expect(res.body.error).toBe('unavailable');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Date.now() - started, path).toBeLessThan(2500);
      }
      const ready = await agent.get('/health/ready');
      expect(ready.status).toBe(503);
      const home = await agent.get('/home').set('Accept', 'application/json');
      expect(home.status).toBe(401);
    } finally {
      await redis.resume();
    }

    // The same challenge is still usable: nothing was lost while Redis was frozen.
    let verify = await agent.post('/verify').send({ code });
    for (let i = 0; i < 20 && verify.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 250));
      verify = await agent.post('/verify').send({ code });
    }
    expect(verify.status).toBe(200);
    expect((await agent.get('/me').set('Accept', 'application/json')).body.email).toBe(email);
  });
});
