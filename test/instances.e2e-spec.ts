import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyRing } from '../src/crypto/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { sessionCookie } from './support/session.js';

// Two server instances on one Redis (or one Redis Cluster, in the `cluster` project), as behind a
// load balancer: each request of a browser may land on either. Sessions, codes, attempt counters and
// the mail queue are shared: A only queues mail (MAIL_WORKER=off), B's worker delivers it.

const JSON_TYPE = 'application/json';

describe('two instances on one Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const shared = {
      AUTH_FIRST_FACTOR: 'email',
      SESSION_SECRET: randomBytes(24).toString('base64url'),
      OTP_SECRET: randomBytes(24).toString('base64url'),
      MFA_ENCRYPTION_KEY: generateKeyRing(),
      MAIL_QUEUE: `mail-instances-${randomBytes(4).toString('hex')}`,
      OTP_MAX_ATTEMPTS: '3',
    };
    b = await createTestApp(shared);
    a = await createTestApp({ ...shared, MAIL_WORKER: 'off' }, { smtp: b.smtp });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  /** One browser whose requests alternate between the instances: the cookie goes along. */
  function browser() {
    let cookie = '';
    const send = async (t: TestApp, method: 'get' | 'post', path: string, body?: object) => {
      const req = request(t.http)[method](path).set('Accept', JSON_TYPE);
      if (cookie) req.set('Cookie', cookie);
      const res = body ? await req.send(body) : await req;
      if (res.headers['set-cookie']) cookie = sessionCookie(res);
      return res;
    };
    return { send };
  }

  it('starts a sign-in on A, mails the code from B, verifies on B, and a sign-out on A ends it on both', async () => {
    const email = uniqueEmail('instances');
    const browse = browser();
    expect((await browse.send(a, 'post', '/auth', { email })).body.status).toBe('code_sent');
    // A queued the mail; only B runs a worker.
    const code = await b.codeFor(email);
    const verified = await browse.send(b, 'post', '/verify', { code });
    expect(verified.body).toEqual({ status: 'authenticated', next: '/home' });
    expect((await browse.send(a, 'get', '/me')).body).toMatchObject({ email });
    expect((await browse.send(b, 'get', '/me')).body).toMatchObject({ email });

    expect((await browse.send(a, 'post', '/logout', {})).status).toBe(204);
    expect((await browse.send(b, 'get', '/me')).status).toBe(401);
    expect((await browse.send(a, 'get', '/me')).status).toBe(401);
  });

  it('counts wrong codes on either instance against the same attempts', async () => {
    const email = uniqueEmail('attempts');
    const browse = browser();
    await browse.send(b, 'post', '/auth', { email });
    const code = await b.codeFor(email);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const left: number[] = [];
    for (const t of [a, b, a]) {
      const res = await browse.send(t, 'post', '/verify', { code: wrong });
      expect(res.body.error).toBe('invalid_code');
      left.push(res.body.attemptsRemaining as number);
    }
    expect(left).toEqual([2, 1, 0]);
    expect((await browse.send(b, 'post', '/verify', { code })).body.error).toBe('challenge_expired');
  });
});
