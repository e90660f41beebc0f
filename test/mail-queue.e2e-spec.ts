/**
 * The durable mail queue (BullMQ in the test Redis), end to end with a real SMTP server behind a
 * gate that refuses connections, accepts them without a greeting, or passes them through:
 * - a code mail's job is in Redis when the answer arrives, holding only what the mail needs;
 * - `MAIL_WORKER=off`: the server only enqueues, a separate `src/worker.ts` process delivers, and a
 *   550 it meets marks the challenge in the server;
 * - SMTP faults with the worker inline: refused connections and a server that never greets are
 *   retried until it comes back, 421 / 451 then 250 arrive once, 550 is tried once, the job fails
 *   (kept without the code) and the challenge says `delivery: failed` until a resend or a new address;
 * - restarts: the server (`src/main.ts` in a child process) stopped with SIGTERM, SIGKILL, and
 *   SIGTERM while attempts are in hand, with mails queued: started again, every code arrives once;
 * - a worker process (`src/worker.ts`) stopped in the middle of a delivery (the gate holds the
 *   message's end or the server's reply to it): after SIGKILL another worker takes the job up once
 *   its lock lapses, and the mail arrives once, or twice with one Message-ID when the SMTP server had
 *   already taken it; after SIGTERM the worker finishes the delivery before it exits, or exits 1 at
 *   SHUTDOWN_TIMEOUT_SECONDS and leaves the job to the next worker.
 */
import { randomBytes } from 'node:crypto';
import { type Job, Queue } from 'bullmq';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyRing } from '../src/crypto/index.js';
import { BullMailQueue, MailQueue, type StoredMailJob, type TemplateMailJob } from '../src/mail/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { type ChildApp, httpLive, startChild } from './support/child-app.js';
import { freePort, testRedisUrl } from './support/redis.js';
import { SmtpGate } from './support/smtp-gate.js';
import { TestSmtpServer } from './support/smtp.js';

const JSON_TYPE = 'application/json';
/** Short SMTP timeouts (nodemailer reads them from the URL), so a silent server costs little. */
const FAST_SMTP = 'connectionTimeout=500&greetingTimeout=500';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Agent = ReturnType<typeof request.agent>;

/** Polls `read` every 50 ms until `done` holds (then returns its value) or `ms` pass (then throws `what`). */
async function until<T>(what: string, read: () => Promise<T> | T, done: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await sleep(50);
  }
}

const recipient = (job: Job<StoredMailJob>) => ('message' in job.data ? job.data.message.to : job.data.to);

/** Every job of the queue to `email`, in any state. */
async function jobsTo(queue: Queue<StoredMailJob>, email: string): Promise<Job<StoredMailJob>[]> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed']);
  return jobs.filter((j) => recipient(j) === email);
}

/** The one job to `email` (fails the test when there is not exactly one). */
async function jobTo(queue: Queue<StoredMailJob>, email: string): Promise<Job<StoredMailJob>> {
  const jobs = await jobsTo(queue, email);
  expect(jobs, `jobs to ${email}`).toHaveLength(1);
  return jobs[0];
}

const status = (agent: Agent) => agent.get('/verify/status').set('Accept', JSON_TYPE);

/** Polls `GET /verify/status` until its `delivery` is `want`. */
function deliveryIs(agent: Agent, want: 'sent' | 'failed', ms = 8000) {
  return until(
    `delivery ${want}`,
    async () => (await status(agent)).body as { delivery?: string },
    (b) => b.delivery === want,
    ms,
  );
}

describe('a code mail in the durable queue', () => {
  const smtp = new TestSmtpServer();
  const name = `mail-e2e-${randomBytes(4).toString('hex')}`;
  let t: TestApp;
  let queue: Queue<StoredMailJob>;
  let worker: ChildApp | undefined;

  beforeAll(async () => {
    await smtp.start();
    // The server only enqueues: nothing delivers until a worker process starts.
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', MAIL_WORKER: 'off', MAIL_QUEUE: name }, { smtp });
    queue = new Queue<StoredMailJob>(name, { connection: { url: testRedisUrl() } });
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await t?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await smtp.stop();
  });

  it('is stored in Redis before the answer, with what the mail needs and nothing else', async () => {
    expect(t.app.get(MailQueue)).toBeInstanceOf(BullMailQueue);
    const email = uniqueEmail('stored');
    const agent = t.agent();
    const res = await agent.post('/auth').send({ email });
    expect(res.status).toBe(200);

    // No worker runs: the job the answer waited for is there, waiting.
    const job = await jobTo(queue, email);
    expect(await job.getState()).toBe('waiting');
    expect(job.id).toMatch(/^challenge-[\w-]+\.1$/);
    expect(job.name).toBe('code');
    expect(Object.keys(job.data).sort()).toEqual(['context', 'key', 'locale', 'messageId', 'tag', 'template', 'to']);
    const data = job.data as { context: Record<string, unknown>; key: string; messageId: string; tag: string };
    expect(Object.keys(data.context).sort()).toEqual(['code', 'expiresAt', 'link', 'purpose']);
    expect(data.context.code).toMatch(/^\d{6}$/);
    expect(data.context.link).toMatch(/\/verify\/link\?t=/);
    expect(data.key).toBe(`${data.tag}.1`);
    expect(job.id).toBe(data.key.replace(':', '-'));
    expect(data.messageId).toBe(`<${job.id}@localhost>`);
    expect(job.opts).toMatchObject({
      attempts: 4,
      backoff: { type: 'mail', delay: 250 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 86_400 },
    });

    // The same mail queued again (its idempotency key) is the same job: nothing is added.
    const again = { ...(job.data as TemplateMailJob), context: { ...data.context, code: '000000' } };
    await t.app.get(MailQueue).enqueue(again);
    expect((await jobTo(queue, email)).data).toEqual(job.data);
    expect(smtp.mailsTo(email)).toEqual([]);
  });

  it('MAIL_WORKER=off: a separate worker process delivers it, once, and a 550 it meets marks the challenge', async () => {
    const waiting = uniqueEmail('waiting');
    const refused = uniqueEmail('refused');
    smtp.refuse(refused, [550]);
    const agent = t.agent();
    const refusedAgent = t.agent();
    expect((await agent.post('/auth').send({ email: waiting })).status).toBe(200);
    expect((await refusedAgent.post('/auth').send({ email: refused })).status).toBe(200);
    await sleep(500);
    expect(smtp.mailsTo(waiting)).toEqual([]);

    worker = await startChild('worker', workerEnv(t, name, smtp.url), (out) => out.includes('Mail worker delivering'));
    const mail = await smtp.waitForMail(waiting, { timeoutMs: 8000 });
    expect(mail.code).toMatch(/^\d{6}$/);
    const code = (await agent.post('/verify').send({ code: mail.code })).body as { status: string };
    expect(code.status).toBe('authenticated');

    // The worker's listener marked the server's challenge (through Redis).
    await deliveryIs(refusedAgent, 'failed');
    expect(smtp.rcptAttempts(refused)).toBe(1);
    await sleep(500);
    expect(smtp.mailsTo(waiting)).toHaveLength(1);
    // The delivered job is gone at once; the refused one is kept, without its content.
    expect(await jobsTo(queue, waiting)).toEqual([]);
    const failed = await jobTo(queue, refused);
    expect(await failed.getState()).toBe('failed');
    expect(failed.data).toEqual({
      redacted: true,
      to: refused,
      template: 'code',
      tag: expect.stringMatching(/^challenge:/),
      locale: 'en',
    });
    expect(failed.failedReason).toMatch(/550/);
  });
});

describe('SMTP faults, with the worker in the server', () => {
  const smtp = new TestSmtpServer();
  const gate = new SmtpGate(smtp);
  let t: TestApp;
  let queue: Queue<StoredMailJob>;

  beforeAll(async () => {
    await smtp.start();
    await gate.start('open');
    t = await createTestApp(
      { AUTH_FIRST_FACTOR: 'email', OTP_RESEND_SECONDS: '1', SMTP_URL: gate.url(FAST_SMTP) },
      { smtp },
    );
    queue = t.app.get<MailQueue, BullMailQueue>(MailQueue).queue;
  });
  afterEach(() => gate.set('open'));
  afterAll(async () => {
    await t?.close();
    await gate.stop();
    await smtp.stop();
  });

  /** Signs in with `email`, then checks its code arrived exactly once and works. */
  async function arrivesOnce(agent: Agent, email: string, ms = 10_000) {
    const mail = await smtp.waitForMail(email, { timeoutMs: ms });
    await sleep(750);
    expect(smtp.mailsTo(email)).toHaveLength(1);
    // Delivered jobs are removed at once (a failed one of an earlier send may stay).
    const left = await jobsTo(queue, email);
    expect(await Promise.all(left.map((j) => j.getState()))).toEqual(left.map(() => 'failed'));
    expect((await status(agent)).body).toMatchObject({ delivery: 'sent' });
    expect((await agent.post('/verify').send({ code: mail.code })).body).toMatchObject({ status: 'authenticated' });
  }

  it('refused connections are retried, and the mail arrives once when the server is back', async () => {
    await gate.set('refuse');
    const email = uniqueEmail('refusing');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    await until(
      'attempts',
      async () => (await jobTo(queue, email)).attemptsMade,
      (n) => n >= 2,
    );
    await gate.set('open');
    await arrivesOnce(agent, email);
  });

  it('a server that accepts and never greets times out, is retried, and the mail arrives once', async () => {
    await gate.set('silent');
    const before = gate.connections;
    const email = uniqueEmail('silent');
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    await until(
      'attempts',
      async () => (await jobTo(queue, email)).attemptsMade,
      (n) => n >= 2,
    );
    expect(gate.connections - before).toBeGreaterThanOrEqual(2);
    await gate.set('open');
    await arrivesOnce(agent, email);
  });

  it.each([421, 451])('%i then 250: retried, and the mail arrives once', async (code) => {
    const email = uniqueEmail(`busy${code}`);
    smtp.refuse(email, [code]);
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    await arrivesOnce(agent, email);
    expect(smtp.rcptAttempts(email)).toBeGreaterThanOrEqual(2);
  });

  it('550: tried once, the job fails (kept 7 days without the code), delivery failed; a resend or another address works', async () => {
    const email = uniqueEmail('no-such-user');
    smtp.refuse(email, [550]);
    const agent = t.agent();
    const sentAt = Date.now();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    await deliveryIs(agent, 'failed');

    const job = await jobTo(queue, email);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.data).toEqual({
      redacted: true,
      to: email,
      template: 'code',
      tag: expect.stringMatching(/^challenge:/),
      locale: 'en',
    });
    expect(job.opts.removeOnFail).toEqual({ age: 7 * 86_400 });
    // Past every retry delay (0.25 s + 1 s + 4 s) nothing more was tried.
    await sleep(Math.max(0, sentAt + 5250 + 500 - Date.now()));
    expect(smtp.rcptAttempts(email)).toBe(1);
    expect(smtp.mailsTo(email)).toEqual([]);

    // Resend: the mailbox takes it now (the script is spent).
    expect((await agent.post('/verify/resend').send({})).status).toBe(200);
    await arrivesOnce(agent, email);

    // Another address, from a challenge whose mail failed.
    const other = uniqueEmail('other-address');
    const again = t.agent();
    const failing = uniqueEmail('failing');
    smtp.refuse(failing, [550]);
    expect((await again.post('/auth').send({ email: failing })).status).toBe(200);
    await deliveryIs(again, 'failed');
    expect((await again.post('/auth').send({ email: other })).status).toBe(200);
    await arrivesOnce(again, other);
  });
});

describe('restarts with mails queued: every code arrives exactly once', () => {
  const smtp = new TestSmtpServer();
  const gate = new SmtpGate(smtp);
  let port: number;
  let server: ChildApp | undefined;
  let name: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await smtp.start();
    await gate.start('refuse');
    port = await freePort();
  });
  afterEach(async () => {
    await server?.kill('SIGKILL');
    server = undefined;
    const queue = new Queue(name, { connection: { url: testRedisUrl() } });
    await queue.obliterate({ force: true });
    await queue.close();
  });
  afterAll(async () => {
    await gate.stop();
    await smtp.stop();
  });

  /** Starts `src/main.ts` with the run's environment; waits until it answers. */
  async function start(): Promise<ChildApp> {
    return startChild('main', env, httpLive(port));
  }

  /**
   * Signs in `n` new addresses on the running server (each mail queued), and waits until every
   * job has been tried `attempts` times (or is in hand, `attempts` 0 and `active`).
   */
  async function queueMails(n: number, attempts: number, queue: Queue<StoredMailJob>) {
    const signIns = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const email = uniqueEmail(`restart${i}`);
        const agent = request.agent(`http://127.0.0.1:${port}`);
        const res = await agent.post('/auth').send({ email });
        expect(res.status, server?.output()).toBe(200);
        return { email, agent };
      }),
    );
    for (const { email } of signIns) {
      await until(
        `tries of the mail to ${email}`,
        async () => {
          const job = await jobTo(queue, email);
          return { made: job.attemptsMade, state: await job.getState() };
        },
        (j) => (attempts === 0 ? j.state === 'active' : j.made >= attempts),
      );
    }
    return signIns;
  }

  /** After the restart: SMTP accepts, every code arrives exactly once and works; the queue empties. */
  async function everyCodeOnce(signIns: { email: string; agent: Agent }[], queue: Queue<StoredMailJob>) {
    await gate.set('open');
    const mails = await Promise.all(signIns.map(({ email }) => smtp.waitForMail(email, { timeoutMs: 25_000 })));
    await sleep(1500);
    for (const { email } of signIns) expect(smtp.mailsTo(email), email).toHaveLength(1);
    const { agent } = signIns[0];
    expect((await agent.post('/verify').send({ code: mails[0].code })).body).toMatchObject({ status: 'authenticated' });
    await until(
      'an empty queue',
      () => queue.getJobCounts(),
      (c) => Object.values(c).every((n) => n === 0),
    );
  }

  async function scenario(signal: NodeJS.Signals, gateWhileQueued: 'refuse' | 'silent', attempts: number) {
    name = `mail-restart-${randomBytes(4).toString('hex')}`;
    env = childEnv(
      port,
      name,
      gate.url(gateWhileQueued === 'silent' ? 'connectionTimeout=500&greetingTimeout=2000' : FAST_SMTP),
    );
    await gate.set(gateWhileQueued);
    const queue = new Queue<StoredMailJob>(name, { connection: { url: testRedisUrl() } });
    try {
      server = await start();
      const signIns = await queueMails(3, attempts, queue);
      const stoppedAt = Date.now();
      const exit = await server.kill(signal);
      expect(exit.signal, server.output()).toBe(signal);
      for (const { email } of signIns) {
        const job = await jobTo(queue, email);
        // SIGTERM: the attempts in hand were finished (failed, to be retried), none left active.
        if (signal === 'SIGTERM') expect(await job.getState()).toBe('delayed');
      }
      await gate.set('refuse');
      server = await start();
      await everyCodeOnce(signIns, queue);
      return Date.now() - stoppedAt;
    } finally {
      await queue.close();
    }
  }

  it('SIGTERM while the SMTP server refuses connections', async () => {
    await scenario('SIGTERM', 'refuse', 1);
  }, 60_000);

  it('SIGKILL while the SMTP server refuses connections', async () => {
    await scenario('SIGKILL', 'refuse', 1);
  }, 60_000);

  it('SIGTERM while attempts are in hand (a server that does not greet): they finish before it exits', async () => {
    await scenario('SIGTERM', 'silent', 0);
  }, 60_000);
});

describe('a worker process stopped with a mail in hand', () => {
  const smtp = new TestSmtpServer();
  const gate = new SmtpGate(smtp);
  const name = `mail-in-hand-${randomBytes(4).toString('hex')}`;
  let t: TestApp;
  let queue: Queue<StoredMailJob>;
  const workers: ChildApp[] = [];

  beforeAll(async () => {
    await smtp.start();
    await gate.start('open');
    // The server only enqueues: the worker processes deliver.
    t = await createTestApp({ AUTH_FIRST_FACTOR: 'email', MAIL_WORKER: 'off', MAIL_QUEUE: name }, { smtp });
    queue = new Queue<StoredMailJob>(name, { connection: { url: testRedisUrl() } });
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.kill('SIGKILL');
    await gate.set('open');
  });
  afterAll(async () => {
    await t?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await gate.stop();
    await smtp.stop();
  });

  /** Starts `src/worker.ts` on the queue, with a 2-second lock: a dead worker's job is taken up soon. */
  async function startWorker(env: Record<string, string> = {}): Promise<ChildApp> {
    const worker = await startChild(
      'worker',
      { ...workerEnv(t, name, gate.url()), MAIL_LOCK_SECONDS: '2', ...env },
      (out) => out.includes('Mail worker delivering'),
    );
    workers.push(worker);
    return worker;
  }

  /**
   * Signs in a new address and waits until its mail is in the middle of delivery: the gate holds
   * it (`hold-data` or `hold-reply`) and its job is active. Returns the job's Message-ID too.
   */
  async function mailInHand(tag: string) {
    const email = uniqueEmail(tag);
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email })).status).toBe(200);
    await until(
      'a mail held mid-delivery',
      () => gate.held,
      (n) => n === 1,
    );
    const job = await jobTo(queue, email);
    expect(await job.getState()).toBe('active');
    const { messageId } = job.data as TemplateMailJob & { messageId: string };
    expect(messageId).toBe(`<${job.id}@localhost>`);
    return { email, agent, job, messageId };
  }

  /** The job is gone (delivered jobs are removed), and `code` signs `agent` in. */
  async function deliveredAndUsable(email: string, agent: Agent, code: string | undefined) {
    await until(
      'the delivered job removed',
      async () => (await jobsTo(queue, email)).length,
      (n) => n === 0,
    );
    expect((await agent.post('/verify').send({ code })).body).toMatchObject({ status: 'authenticated' });
  }

  /** The gate opens and a new worker takes the held job up: its mail arrives once, with its Message-ID, and signs in. */
  async function deliveredOnceByNextWorker(email: string, agent: Agent, messageId: string | undefined) {
    await gate.set('open');
    await startWorker();
    const mail = await smtp.waitForMail(email, { timeoutMs: 20_000 });
    expect(mail.messageId).toBe(messageId);
    await deliveredAndUsable(email, agent, mail.code);
    await sleep(500);
    expect(smtp.mailsTo(email)).toHaveLength(1);
  }

  it('SIGKILL before the SMTP server has the whole message: another worker takes the job up once its lock lapses, and the mail arrives once', async () => {
    await gate.set('hold-data');
    const first = await startWorker();
    const { email, agent, job, messageId } = await mailInHand('killed-mid-data');
    expect(smtp.mailsTo(email)).toEqual([]);

    expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');
    // Nobody delivers it now: it stays active, held by the dead worker's lock.
    expect(await job.getState()).toBe('active');
    await deliveredOnceByNextWorker(email, agent, messageId);
  }, 60_000);

  it('SIGKILL after the SMTP server took the message, before its 250 reached the worker: sent again, it arrives twice with one Message-ID (at least once)', async () => {
    await gate.set('hold-reply');
    const first = await startWorker();
    const { email, agent, messageId } = await mailInHand('killed-mid-reply');
    // The server takes it; the worker does not know.
    await smtp.waitForMail(email);

    await first.kill('SIGKILL');
    await gate.set('open');
    await startWorker();
    await until(
      'the mail sent again',
      () => smtp.mailsTo(email).length,
      (n) => n >= 2,
      20_000,
    );
    await deliveredAndUsable(email, agent, smtp.mailsTo(email)[1].code);
    await sleep(500);
    const mails = smtp.mailsTo(email);
    expect(mails).toHaveLength(2);
    // The same mail: one Message-ID (a mailbox may fold the copies into one), one code.
    expect(mails.map((m) => m.messageId)).toEqual([messageId, messageId]);
    expect(mails[1].code).toBe(mails[0].code);
  }, 60_000);

  it('SIGTERM while the SMTP server is slow to answer the message: the worker waits for its 250, then exits; the mail arrives once', async () => {
    await gate.set('hold-reply');
    const worker = await startWorker({ SHUTDOWN_TIMEOUT_SECONDS: '10' });
    const { email, agent, messageId } = await mailInHand('terminated-mid-reply');
    const mail = await smtp.waitForMail(email);
    expect(mail.messageId).toBe(messageId);

    const exited = worker.kill('SIGTERM');
    await sleep(1500);
    // Still there: it waits for the job in hand.
    expect([worker.process.exitCode, worker.process.signalCode], worker.output()).toEqual([null, null]);
    const releasedAt = Date.now();
    gate.release();
    const exit = await exited;
    // A clean stop ends by the signal itself (exit status 143), as a process without handlers would.
    expect(exit, worker.output()).toEqual({ code: null, signal: 'SIGTERM' });
    expect(Date.now() - releasedAt).toBeLessThan(10_000);
    expect(worker.output()).toContain('Stopped: every request and mail job in hand finished');
    // Its job was completed (and removed) before the worker let go of Redis.
    expect(await jobsTo(queue, email)).toEqual([]);
    await deliveredAndUsable(email, agent, mail.code);
    expect(smtp.mailsTo(email)).toHaveLength(1);
  }, 60_000);

  it('SIGTERM with a delivery that does not end: cut at SHUTDOWN_TIMEOUT_SECONDS (exit 1), the next worker sends the mail once', async () => {
    await gate.set('hold-data');
    const worker = await startWorker({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const { email, agent, job, messageId } = await mailInHand('terminated-stuck');

    const signalAt = Date.now();
    const exit = await worker.kill('SIGTERM');
    expect(exit.code, worker.output()).toBe(1);
    expect(Date.now() - signalAt).toBeGreaterThanOrEqual(1000);
    expect(worker.output()).toContain('Still busy after 1 s');
    expect(await job.getState()).toBe('active');
    await deliveredOnceByNextWorker(email, agent, messageId);
  }, 60_000);
});

/** The environment of a child server: what createTestApp sets, fixed, so a restart is the same server. */
const SECRETS = {
  SESSION_SECRET: randomBytes(24).toString('base64url'),
  OTP_SECRET: randomBytes(24).toString('base64url'),
  MFA_ENCRYPTION_KEY: generateKeyRing(),
};

function childEnv(port: number, queue: string, smtpUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    PORT: String(port),
    // Stop as soon as asked: the grace period before it has its own test.
    SHUTDOWN_GRACE_SECONDS: '0',
    REDIS_URL: testRedisUrl(),
    SMTP_URL: smtpUrl,
    MAIL_QUEUE: queue,
    AUTH_FIRST_FACTOR: 'email',
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_ITERATIONS: '1',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...SECRETS,
  };
}

/** The environment of a worker process for the server `t`: its config, the worker's own log level. */
function workerEnv(t: TestApp, queue: string, smtpUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'log',
    REDIS_URL: testRedisUrl(),
    SMTP_URL: smtpUrl,
    MAIL_QUEUE: queue,
    APP_URL: t.config.appUrl,
    OTP_SECRET: t.config.otpSecret,
  };
}
