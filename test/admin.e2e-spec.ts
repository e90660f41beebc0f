/**
 * The operator's command line (`npm run admin -- <command>`), each command against the real Redis
 * the app under test uses, run in process (`runAdmin`) and as a real child process
 * (`src/admin/admin.cli.ts`):
 * - `unlock`: an address locked by wrong passwords signs in again at once; `counters` shows the
 *   lock, failures and sends, and never a code;
 * - `sessions:end`: every browser of the account is signed out;
 * - `mail:failed` / `mail:retry`: a code mail refused with 550 is listed without its content, and
 *   sent again with a new code that signs the person in;
 * - wrong arguments and a missing Redis: usage or a message, exit code 2, no stack trace.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminIo, runAdmin } from '../src/admin/admin.cli.js';
import type { StoredMailJob } from '../src/mail/index.js';
import { createTestApp, type TestApp, uniqueEmail } from './support/app.js';
import { runChild } from './support/child-app.js';
import { me, PASSWORD, seedAccount, signInWithPasswordAndEmail } from './support/mfa.js';
import { testRedisUrl } from './support/redis.js';
import { TestSmtpServer } from './support/smtp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one in-process run wrote and how it ended. */
interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the admin command line, against the Redis of a running app', () => {
  const smtp = new TestSmtpServer();
  const queueName = `admin-e2e-${randomBytes(4).toString('hex')}`;
  // What the admin shares with the server: its Redis, its mail queue, and its OTP secret (a code
  // the admin sends again must verify there).
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'log',
    REDIS_URL: testRedisUrl(),
    MAIL_QUEUE: queueName,
    OTP_SECRET: randomBytes(24).toString('base64url'),
  };
  let t: TestApp;
  let queue: Queue<StoredMailJob>;

  beforeAll(async () => {
    await smtp.start();
    env.SMTP_URL = smtp.url;
    // The server runs the mail worker (MAIL_WORKER=inline): what the admin queues, it delivers.
    t = await createTestApp(
      { ...env, LOG_LEVEL: 'error', AUTH_FIRST_FACTOR: 'password', OTP_RESEND_SECONDS: '1' },
      { smtp },
    );
    queue = new Queue<StoredMailJob>(queueName, { connection: { url: testRedisUrl() } });
  });
  afterAll(async () => {
    await t?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await smtp.stop();
  });

  async function admin(...args: string[]): Promise<AdminRun> {
    let stdout = '';
    let stderr = '';
    const io: AdminIo = { out: (s) => void (stdout += s), err: (s) => void (stderr += s) };
    const code = await runAdmin(args, { io, env });
    return { code, stdout, stderr };
  }

  /** Wrong passwords from fresh browsers until the address is locked (the 10th starts it). */
  async function lockOut(email: string) {
    for (let i = 0; i < 10; i++) {
      const res = await t.agent().post('/auth').send({ email, password: 'not the password' });
      expect(res.status).toBe(401);
    }
    const locked = await t.agent().post('/auth').send({ email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('locked');
  }

  it('unlock (a child process) lets a locked address sign in; counters show the lock and never a code', async () => {
    const email = uniqueEmail('admin-unlock');
    await seedAccount(t, email);
    // A code is mailed (it must never appear in the counters), then the address is locked.
    const first = t.agent();
    expect((await first.post('/auth').send({ email, password: PASSWORD })).body.status).toBe('code_sent');
    const code = await t.codeFor(email);
    await lockOut(email);

    const counters = await admin('counters', email);
    expect(counters.code, counters.stderr).toBe(0);
    expect(counters.stdout).toMatch(/lock: +locked, \d+ s left/);
    expect(counters.stdout).toMatch(/failures: +10 \(a lock starts at 10\)/);
    expect(counters.stdout).toMatch(/sends: +1 of 5 in 3600 s, 1 of 10 in 86400 s/);
    expect(counters.stderr).toContain(`admin.counters_read ${email} by `);
    const json = await admin('counters', email, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      email,
      identifier: { failures: 10, failureThreshold: 10, lockedSeconds: expect.any(Number) },
      devices: [],
    });
    for (const out of [counters, json]) expect(`${out.stdout}${out.stderr}`).not.toContain(code);

    // The email as typed by a person (case, spaces) is the same identifier.
    const unlocked = await runChild('admin/admin.cli', ['unlock', `  ${email.toUpperCase()} `], env);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toBe(`${email}: unlocked; failed attempts forgotten\n`);
    expect(unlocked.stderr).toMatch(new RegExp(`LOG \\[Admin\\] admin\\.unlocked ${email} by \\S+@\\S+: lock ended`));
    expect(unlocked.stderr).not.toMatch(/\n\s+at /);

    // Signs in at once, in a new browser and in the first one (its code was held by the lock only).
    await signInWithPasswordAndEmail(t, t.agent(), email);
    expect((await first.post('/verify').send({ code })).body.status).toBe('authenticated');
    const after = await admin('counters', email, '--json');
    expect(JSON.parse(after.stdout).identifier).toMatchObject({ lockedSeconds: 0, failures: 0 });

    // Nothing to unlock now: said so, still exit 0.
    const again = await admin('unlock', email);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${email}: was not locked; failed attempts forgotten\n`);
  });

  it('sessions:end signs out every browser of the account, and no other account', async () => {
    const email = uniqueEmail('admin-sessions');
    const other = uniqueEmail('admin-other');
    await seedAccount(t, email);
    await seedAccount(t, other);
    const [laptop, phone, stranger] = [t.agent(), t.agent(), t.agent()];
    await signInWithPasswordAndEmail(t, laptop, email);
    await signInWithPasswordAndEmail(t, stranger, other);
    await sleep(1100); // OTP_RESEND_SECONDS=1 between two codes to one address
    await signInWithPasswordAndEmail(t, phone, email);
    for (const agent of [laptop, phone]) expect((await me(agent)).body.email).toBe(email);

    const run = await admin('sessions:end', email);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${email}: 2 session(s) ended; trusted browsers forgotten\n`);
    expect(run.stderr).toContain(`admin.sessions_ended ${email} by `);

    for (const agent of [laptop, phone]) {
      const res = await me(agent);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthenticated');
    }
    expect((await me(stranger)).status).toBe(200);
    // The account's activity says so.
    await sleep(1100);
    await signInWithPasswordAndEmail(t, laptop, email);
    const activity = await laptop.get('/account/activity').set('Accept', 'application/json');
    expect(JSON.stringify(activity.body)).toContain('account.session_revoked');
  });

  it('mail:failed lists a refused code mail without its content; mail:retry sends a new code that signs in', async () => {
    const email = uniqueEmail('admin-mail');
    await seedAccount(t, email);
    smtp.refuse(email, [550]);
    const agent = t.agent();
    expect((await agent.post('/auth').send({ email, password: PASSWORD })).body.status).toBe('code_sent');
    for (
      let i = 0;
      (await agent.get('/verify/status').set('Accept', 'application/json')).body.delivery !== 'failed';
      i++
    ) {
      if (i > 100) throw new Error('the refused mail was never reported as failed');
      await sleep(100);
    }

    const listed = await admin('mail:failed', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const failed = (JSON.parse(listed.stdout) as Record<string, unknown>[]).filter((m) => m.to === email);
    expect(failed).toEqual([
      {
        id: expect.stringMatching(/^challenge-[\w-]+\.1$/),
        to: email,
        template: 'code',
        reason: expect.stringMatching(/550/),
        attempts: 1,
        failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        retry: 'resend',
      },
    ]);
    // No code, no link: the job kept none, and nothing else is printed.
    expect(listed.stdout).not.toMatch(/\b\d{6}\b|verify\/link|context/);
    expect(listed.stderr).toContain('admin.mail_listed by ');
    const text = await admin('mail:failed', '--limit', '5');
    expect(text.stdout).toContain(`${failed[0].id as string}  to ${email} (code)`);
    expect(text.stdout).toContain('retry: yes, with a new code');

    const retried = await admin('mail:retry', failed[0].id as string);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toBe(`${failed[0].id as string}  to ${email}: sent again with a new code\n`);
    expect(retried.stderr).toMatch(/admin\.mail_retried by \S+: 0 requeued, 1 sent again with a new code, 0 skipped/);

    // The server's worker delivers it (the SMTP server takes it this time), and it signs in.
    const code = await t.codeFor(email);
    expect((await agent.post('/verify').send({ code })).body).toEqual({ status: 'authenticated', next: '/home' });
    expect(await queue.getJob(failed[0].id as string)).toBeUndefined();

    // The job is gone: retrying it again is an error (1); with --all there is nothing left (0).
    const gone = await admin('mail:retry', failed[0].id as string);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`No mail job ${failed[0].id as string}`);
    const all = await admin('mail:retry', '--all');
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('No failed mail jobs.\n');
  });

  it('wrong arguments: usage or a message, exit code 2, and no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['unlock'], /missing required argument 'email'[\s\S]*Usage: admin unlock/],
      [['unlock', 'not-an-email'], /Not an email address: "not-an-email"/],
      [['unlock', 'a@example.test', 'b@example.test'], /too many arguments/],
      [['frobnicate'], /unknown command 'frobnicate'[\s\S]*--help/],
      [['mail:failed', '--limit', 'lots'], /--limit must be a whole number/],
      [['mail:retry'], /Give job ids, or --all/],
      [['mail:retry', 'x', '--all'], /Give job ids, or --all/],
      [[], /Usage: admin \[options\] \[command\]/],
    ];
    for (const [args, message] of cases) {
      const run = await admin(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const help = await admin('--help');
    expect(help.code).toBe(0);
    for (const name of ['unlock <email>', 'sessions:end <email>', 'counters', 'mail:failed', 'mail:retry']) {
      expect(help.stdout).toContain(name);
    }
  });

  it('without REDIS_URL there is nothing to administer: a message and exit code 2 (a child process)', async () => {
    const { REDIS_URL: _redis, MAIL_QUEUE: _queue, ...noRedis } = env;
    const run = await runChild('admin/admin.cli', ['unlock', 'a@example.test'], noRedis);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^The admin commands need REDIS_URL \(or REDIS_CLUSTER_NODES\)/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
