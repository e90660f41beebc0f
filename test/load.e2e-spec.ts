import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';

// A burst: 200 people sign in at the same moment, each with a new address, on one instance with a
// real Redis and SMTP server. Every step answers as it would alone, and each browser ends up signed
// in as its own account and no other. (Throughput is measured by `npm run bench`, not here.)

const PEOPLE = 200;
const JSON_TYPE = 'application/json';

describe(`load: ${PEOPLE} concurrent sign-ins`, { timeout: 180_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
  });
  afterAll(() => t?.close());

  // Mails are delivered 5 at a time: the last of 200 may wait a while on a busy machine.
  it('completes every one without an error, each session seeing only its own account', async () => {
    const results = await Promise.all(
      Array.from({ length: PEOPLE }, async (_, i) => {
        const email = uniqueEmail(`load${i}`);
        const agent = t.agent();
        const start = await agent.post('/auth').set('Accept', JSON_TYPE).send({ email });
        const verify = await agent
          .post('/verify')
          .set('Accept', JSON_TYPE)
          .send({ code: (await t.smtp.waitForMail(email, { timeoutMs: 120_000 })).code });
        const me = await agent.get('/me').set('Accept', JSON_TYPE);
        return { email, statuses: [start.status, verify.status, me.status], me: me.body as { email?: string } };
      }),
    );
    const failed = results.filter((r) => r.statuses.join() !== '200,200,200');
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    for (const r of results) expect(r.me.email).toBe(r.email);
    expect(new Set(results.map((r) => r.me.email)).size).toBe(PEOPLE);
  });
});
