import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';

describe('per-address request budget', () => {
  let t: TestApp;
  beforeAll(async () => {
    // TRUST_PROXY lets each test pose as its own client address, so parallel suites never share a budget.
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1' });
  });
  afterAll(() => t.close());

  // Only a header value (never a destination): the 198.18.0.0/15 benchmarking range.
  const address = () => `198.${randomInt(18, 20)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

  it('answers 429 rate_limited with Retry-After past RATE_LIMIT_PER_MINUTE POSTs, across identifiers', async () => {
    const ip = address();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.agent().post('/auth').set('X-Forwarded-For', ip).send({ email: uniqueEmail() });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200]);
    const blocked = await t.agent().post('/auth').set('X-Forwarded-For', ip).send({ email: uniqueEmail() });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address still has its own budget.
    const other = await t.agent().post('/auth').set('X-Forwarded-For', address()).send({ email: uniqueEmail() });
    expect(other.status).toBe(200);
  });

  it('never counts GET requests', async () => {
    const ip = address();
    for (let i = 0; i < 6; i++) {
      const r = await t.agent().get('/auth').set('X-Forwarded-For', ip);
      expect(r.status).toBe(200);
    }
    const post = await t.agent().post('/auth').set('X-Forwarded-For', ip).send({ email: uniqueEmail() });
    expect(post.status).toBe(200);
  });
});
