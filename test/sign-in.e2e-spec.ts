import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';

describe('email mode, JSON', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
  });
  afterAll(() => t.close());

  it('signs a new address in with the mailed code', async () => {
    const email = uniqueEmail();
    const agent = t.agent();
    const start = await agent.post('/auth').send({ email: ` ${email.toUpperCase()} ` });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ status: 'code_sent', next: '/verify', resendAfter: 60 });
    expect(Date.parse(start.body.expiresAt)).toBeGreaterThan(Date.now());
    const code = await t.codeFor(email);
    const verify = await agent.post('/verify').send({ code });
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ status: 'authenticated', next: '/home' });
    const me = await agent.get('/me').set('Accept', 'application/json');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email, aal: 1, amr: ['otp'] });
    const home = await agent.get('/home');
    expect(home.status).toBe(200);
    expect(home.text).toContain(email);
  });
});
