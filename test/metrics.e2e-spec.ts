/**
 * Metrics: after a scripted run (sign-ins, wrong codes, a lock, a sign-out, refused and unknown
 * requests) the counters' deltas on `GET /metrics` equal what happened, and no label holds an
 * address or an id; a mail retried once (451, then 250) and one refused (550) count one retry and
 * one failure; with `METRICS_PORT` they are served on that port only; Redis failures are
 * counted.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailDispatcher } from '../src/mail/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { type ChildApp, startChild } from './support/child-app.js';
import { type Agent, PASSWORD, seedAccount, sessionIdOf, signInWithPasswordAndEmail } from './support/mfa.js';
import { freePort, type RedisProcess, startRedisServer, testRedisUrl } from './support/redis.js';

/** One sample of the text format: its series (name and labels) and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus' text format (what prom-client writes): one sample per line, comments skipped. */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`Not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

/** The value of one series (0 when absent): `name` with exactly these labels (ignoring `le`-less extras is not allowed). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels);
  const found = samples.find(
    (s) => s.name === name && Object.keys(s.labels).length === want.length && want.every(([k, v]) => s.labels[k] === v),
  );
  return found?.value ?? 0;
}

async function scrape(t: TestApp): Promise<Sample[]> {
  const res = await request(t.http).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

describe('metrics after a scripted run', () => {
  let t: TestApp;
  let before: Sample[];
  let after: Sample[];
  let afterText: string;
  const delta = (name: string, labels: Record<string, string> = {}) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);
  /** Every address, session id and other id the run used: none may be a label. */
  const identifiers: string[] = [];
  const N = 3;
  const WRONG_CODES = 2;
  let mailsDelivered = 0;

  beforeAll(async () => {
    t = await createTestApp();
    before = await scrape(t);
    const mailsBefore = t.smtp.mails.length;

    // N sign-ins (password, then the mailed code); the first one types two wrong codes first.
    const agents: Agent[] = [];
    for (let i = 0; i < N; i++) {
      const email = uniqueEmail(`metrics-${i}`);
      identifiers.push(email);
      await seedAccount(t, email);
      const agent = t.agent();
      if (i === 0) {
        expect((await agent.post('/auth').send({ email, password: PASSWORD })).status).toBe(200);
        const code = await t.codeFor(email);
        for (let w = 0; w < WRONG_CODES; w++) {
          const wrong = String((Number(code) + 1 + w) % 1_000_000).padStart(6, '0');
          expect((await agent.post('/verify').send({ code: wrong })).status).toBe(401);
        }
        const ok = await agent.post('/verify').send({ code });
        expect(ok.status).toBe(200);
        identifiers.push(sessionIdOf(ok));
      } else {
        identifiers.push(sessionIdOf(await signInWithPasswordAndEmail(t, agent, email)));
      }
      agents.push(agent);
    }

    // A lock: 10 wrong passwords for one address (the default threshold), then the right one is refused.
    const locked = uniqueEmail('metrics-lock');
    identifiers.push(locked);
    await seedAccount(t, locked);
    for (let i = 0; i < 10; i++) {
      expect((await t.agent().post('/auth').send({ email: locked, password: 'not the password!' })).status).toBe(401);
    }
    expect((await t.agent().post('/auth').send({ email: locked, password: PASSWORD })).status).toBe(429);

    // A sign-out.
    expect((await agents[2].post('/logout').set('Accept', 'application/json')).status).toBe(204);

    // An id in a path: the template is the label.
    const someId = randomUUID();
    identifiers.push(someId);
    expect((await agents[1].delete(`/account/sessions/${someId}`).set('Accept', 'application/json')).status).toBe(404);
    // A path that is no route, with an id in it.
    const stray = randomUUID();
    identifiers.push(stray);
    expect((await request(t.http).get(`/no-such-page/${stray}`)).status).toBe(404);
    // Refused before routing (a cross-site form post): still counted under its route.
    const refused = await request(t.http)
      .post('/auth')
      .set('Origin', 'https://elsewhere.example')
      .type('form')
      .send({ email: locked, password: PASSWORD });
    expect(refused.status).toBe(403);

    await t.app.get(MailDispatcher).drain(5000);
    mailsDelivered = t.smtp.mails.length - mailsBefore;
    const res = await request(t.http).get('/metrics');
    afterText = res.text;
    after = parseMetrics(res.text);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('counts each code mailed, by purpose', () => {
    expect(delta('signin_codes_issued_total', { purpose: 'sign-in' })).toBe(N);
  });

  it('counts each answer to a factor by factor, purpose and outcome', () => {
    expect(delta('signin_verifications_total', { factor: 'pwd', purpose: 'sign-in', outcome: 'passed' })).toBe(N);
    expect(delta('signin_verifications_total', { factor: 'email_otp', purpose: 'sign-in', outcome: 'passed' })).toBe(N);
    expect(
      delta('signin_verifications_total', { factor: 'email_otp', purpose: 'sign-in', outcome: 'invalid_code' }),
    ).toBe(WRONG_CODES);
    expect(
      delta('signin_verifications_total', { factor: 'pwd', purpose: 'sign-in', outcome: 'invalid_credentials' }),
    ).toBe(10);
  });

  it('counts the lock, the sessions signed in and the one signed out', () => {
    expect(delta('signin_locks_total', { scope: 'identifier' })).toBe(1);
    expect(delta('signin_locks_total', { scope: 'known_device' })).toBe(0);
    expect(delta('signin_sessions_created_total', { aal: '2' })).toBe(N);
    expect(delta('signin_sessions_ended_total', { reason: 'sign_out' })).toBe(1);
    expect(delta('signin_sessions_ended_total', { reason: 'revoked' })).toBe(0);
  });

  it('counts every mail queued and sent (codes and notices), none failed', () => {
    // N codes, a notice for each sign-in from a browser the account did not know, one of the lock.
    expect(mailsDelivered).toBe(2 * N + 1);
    expect(delta('signin_mail_queued_total')).toBe(mailsDelivered);
    expect(delta('signin_mail_sent_total')).toBe(mailsDelivered);
    expect(delta('signin_mail_retries_total')).toBe(0);
    for (const reason of ['refused', 'retries_exhausted', 'expired', 'unrenderable']) {
      expect(valueOf(after, 'signin_mail_failed_total', { reason })).toBe(0);
    }
  });

  it('reads the durable queue depth when scraped', () => {
    const states = after.filter((s) => s.name === 'signin_mail_queue_jobs').map((s) => s.labels.state);
    expect(states.sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);
  });

  it('times requests by method, route template and status', () => {
    const count = (method: string, route: string, status: string) =>
      delta('signin_http_request_duration_seconds_count', { method, route, status });
    expect(count('POST', '/verify', '401')).toBe(WRONG_CODES);
    expect(count('POST', '/verify', '200')).toBe(N);
    expect(count('POST', '/auth', '200')).toBe(N);
    expect(count('POST', '/auth', '401')).toBe(10);
    expect(count('POST', '/auth', '429')).toBe(1);
    expect(count('POST', '/auth', '403')).toBe(1);
    expect(count('POST', '/logout', '204')).toBe(1);
    expect(count('DELETE', '/account/sessions/:id', '404')).toBe(1);
    expect(count('GET', 'unmatched', '404')).toBe(1);
    // Scrapes are not measured.
    expect(after.some((s) => s.labels.route === '/metrics')).toBe(false);
  });

  it('puts no address or id in any label: routes are templates, every other label an enum', () => {
    const values = after.flatMap((s) => Object.entries(s.labels));
    for (const id of identifiers) expect(afterText).not.toContain(id);
    expect(values.filter(([, v]) => v.includes('@'))).toEqual([]);
    for (const [k, v] of values) {
      if (k === 'route') expect(v).toMatch(/^(unmatched|(\/[\w-]*|\/:\w+)+)$/);
      else if (k === 'le') expect(v).toMatch(/^(\+Inf|\d+(\.\d+)?)$/);
      else if (k === 'version') continue;
      else expect(v, `${k}="${v}"`).toMatch(/^[a-z0-9][a-z0-9_-]{0,23}$/i);
    }
  });
});

describe('mail retries and failures', () => {
  let t: TestApp;
  let before: Sample[];
  let after: Sample[];
  const delta = (name: string, labels: Record<string, string> = {}) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);

  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email' });
    before = await scrape(t);
    // One mailbox answers 451 once, then takes the mail; another refuses it for good (550).
    const busy = uniqueEmail('metrics-451');
    const refused = uniqueEmail('metrics-550');
    t.smtp.refuse(busy, [451]);
    t.smtp.refuse(refused, [550]);
    const refusedAgent = t.agent();
    expect((await t.agent().post('/auth').send({ email: busy })).status).toBe(200);
    expect((await refusedAgent.post('/auth').send({ email: refused })).status).toBe(200);
    await t.mailTo(busy, 10_000);
    // The refused mail's job failed for good when its challenge says so.
    const delivery = async () =>
      ((await refusedAgent.get('/verify/status').set('Accept', 'application/json')).body as { delivery?: string })
        .delivery;
    for (let i = 0; i < 100 && (await delivery()) !== 'failed'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await delivery()).toBe('failed');
    expect(t.smtp.rcptAttempts(busy)).toBe(2);
    expect(t.smtp.rcptAttempts(refused)).toBe(1);
    // The job is marked done just after the mail went out: wait until the counters say so.
    for (let i = 0; i < 50; i++) {
      after = await scrape(t);
      if (delta('signin_mail_sent_total') >= 1 && valueOf(after, 'signin_mail_queue_jobs', { state: 'failed' }) >= 1) {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('counts the one temporary refusal as a retry, and the mail it then sent', () => {
    expect(delta('signin_mail_queued_total')).toBe(2);
    expect(delta('signin_mail_retries_total')).toBe(1);
    expect(delta('signin_mail_sent_total')).toBe(1);
  });

  it('counts the permanent refusal as one failed mail, by its reason, and the queue keeps its job', () => {
    expect(delta('signin_mail_failed_total', { reason: 'refused' })).toBe(1);
    for (const reason of ['retries_exhausted', 'expired', 'unrenderable']) {
      expect(delta('signin_mail_failed_total', { reason }), reason).toBe(0);
    }
    expect(valueOf(after, 'signin_mail_queue_jobs', { state: 'failed' })).toBe(1);
  });
});

describe('METRICS_PORT', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    t = await createTestApp({ METRICS_PORT: String(port) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves /metrics on its own port and not on the public one', async () => {
    expect((await request(t.http).get('/metrics')).status).toBe(404);
    const side = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(side.status).toBe(200);
    expect(side.headers.get('cache-control')).toBe('no-store');
    expect(await side.text()).toContain('# TYPE signin_http_request_duration_seconds histogram');
  });

  it('answers nothing else there', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    const post = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it("counts the public port's requests there", async () => {
    expect((await request(t.http).get('/health/live')).status).toBe(200);
    const samples = parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    expect(
      valueOf(samples, 'signin_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/health/live',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('stops listening when the app closes', async () => {
    await t.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    t = undefined as unknown as TestApp;
  });
});

describe('Redis failures', () => {
  let redis: RedisProcess;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    t = await createTestApp({ REDIS_URL: redis.url });
  }, 30_000);
  afterAll(async () => {
    await redis?.start();
    await t?.close();
    await redis?.stop();
  });

  it("counts the client's connection errors and the calls that failed", async () => {
    const kinds = (samples: Sample[]) =>
      Object.fromEntries(
        ['connection', 'command', 'timeout'].map((kind) => [
          kind,
          valueOf(samples, 'signin_redis_errors_total', { kind }),
        ]),
      );
    const before = kinds(await scrape(t));
    expect(before).toEqual({ connection: 0, command: 0, timeout: 0 });
    await redis.stop();
    const res = await t
      .agent()
      .post('/auth')
      .send({ email: uniqueEmail('metrics-outage'), password: PASSWORD });
    expect(res.status).toBe(503);
    const after = kinds(await scrape(t));
    expect(after.connection).toBeGreaterThan(0);
    expect(after.command + after.timeout).toBeGreaterThan(0);
  });
});

describe('the mail worker with METRICS_PORT', () => {
  const name = `metrics-worker-${randomBytes(6).toString('hex')}`;
  let t: TestApp;
  let worker: ChildApp | undefined;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', MAIL_WORKER: 'off', MAIL_QUEUE: name });
    port = await freePort();
    worker = await startChild(
      'worker',
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'log',
        REDIS_URL: testRedisUrl(),
        SMTP_URL: t.smtp.url,
        MAIL_QUEUE: name,
        APP_URL: t.config.appUrl,
        OTP_SECRET: t.config.otpSecret,
        METRICS_PORT: String(port),
      },
      (out) => out.includes('Mail worker delivering'),
    );
  }, 30_000);
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    const queue = new Queue(name, { connection: { url: testRedisUrl() } });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await t?.close();
  });

  it('counts on its own port the mails it sent, and the queue the server filled', async () => {
    const email = uniqueEmail('metrics-worker');
    expect((await t.agent().post('/auth').send({ email })).status).toBe(200);
    expect((await t.smtp.waitForMail(email, { timeoutMs: 10_000 })).code).toMatch(/^\d{6}$/);
    const scrapeWorker = async () => parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    let samples = await scrapeWorker();
    // The job is marked done just after the mail went out.
    for (let i = 0; i < 50 && valueOf(samples, 'signin_mail_sent_total') < 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      samples = await scrapeWorker();
    }
    expect(valueOf(samples, 'signin_mail_sent_total')).toBe(1);
    expect(valueOf(samples, 'signin_mail_queue_jobs', { state: 'failed' })).toBe(0);
    expect(samples.filter((s) => s.name === 'signin_mail_queue_jobs')).toHaveLength(4);
    // The server queued it and sent nothing itself.
    const server = await scrape(t);
    expect(valueOf(server, 'signin_mail_queued_total')).toBe(1);
    expect(valueOf(server, 'signin_mail_sent_total')).toBe(0);
  });
});
