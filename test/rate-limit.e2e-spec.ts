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

  it("counts a signed-out visitor's GETs of pages that need sign-in (each keeps a page to return to)", async () => {
    const ip = address();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.agent().get('/home').set('X-Forwarded-For', ip)).status);
    expect(statuses).toEqual([303, 303, 303, 429]);
  });

  it('never counts the sign-in and sign-up pages of new visitors (they store nothing)', async () => {
    const ip = address();
    for (let i = 0; i < 6; i++) {
      const page = await t.agent().get('/auth').set('X-Forwarded-For', ip);
      expect(page.status).toBe(200);
      expect(page.headers['set-cookie']?.toString()).not.toMatch(/(^|,)sid=/);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await t.agent().post('/auth').set('X-Forwarded-For', ip).send({ email: uniqueEmail() })).status);
    }
    expect(statuses).toEqual([200, 200, 200]);
  });

  it('never counts the GETs of a session that is already stored', async () => {
    const ip = address();
    const agent = t.agent();
    expect((await agent.get('/home').set('X-Forwarded-For', ip)).status).toBe(303); // 1: creates the session
    for (let i = 0; i < 6; i++) {
      expect((await agent.get('/auth').set('X-Forwarded-For', ip)).status).toBe(200);
      expect((await agent.get('/home').set('X-Forwarded-For', ip)).status).toBe(303);
    }
    const post = await agent.post('/auth').set('X-Forwarded-For', ip).send({ email: uniqueEmail() });
    expect(post.status).toBe(200); // 2
  });

  it('creates no session for a page without a form (a 404)', async () => {
    const res = await t.agent().get('/no-such-page').set('X-Forwarded-For', address());
    expect(res.status).toBe(404);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
