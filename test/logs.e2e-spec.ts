/**
 * Logs of a whole run of the server in production mode (`src/main.ts` in a child process, every
 * line it prints kept, LOG_LEVEL=verbose): a scripted session of sign-ups, an authenticator added,
 * sign-ins with it, a recovery code and the emailed code, wrong answers, a password reset, links
 * opened, a form with its CSRF token, a session cookie and an Authorization header. Every line is
 * JSON; each answer's `X-Request-Id` is on the lines of its request; and no code, password,
 * secret, token, cookie, session id or address the run used or received appears anywhere.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueEmail } from './support/app.js';
import { type ChildApp, httpLive, startChild } from './support/child-app.js';
import { awayFromStepEdge, csrfFrom, flushMfaKeys, HTML_ACCEPT, totpCode, wrongTotp } from './support/mfa.js';
import { freePort, testRedisUrl } from './support/redis.js';
import { type ReceivedMail, TestSmtpServer } from './support/smtp.js';

type Agent = ReturnType<typeof request.agent>;
type Answer = request.Response;

/** One JSON log line. */
interface Line {
  level: string;
  msg?: string;
  reqId?: string;
  context?: string;
  event?: string;
  [k: string]: unknown;
}

const JSON_TYPE = 'application/json';

describe('logs of a full run (production, LOG_LEVEL=verbose)', () => {
  const smtp = new TestSmtpServer({ user: 'mailer', pass: `smtp-${randomBytes(12).toString('hex')}` });
  const queueName = `logs-test-${randomBytes(6).toString('hex')}`;
  let server: ChildApp;
  let base: string;
  let output = '';
  let lines: Line[] = [];
  /** Every secret value the run used or received: none may be in the output. */
  const secrets = new Set<string>();
  /** The addresses used: never logged either (auth events name a pseudonym). */
  const emails: string[] = [];
  /** Every answer, for its X-Request-Id. */
  const answers: Answer[] = [];
  const env: Record<string, string> = {};

  /** Keeps a value that must never be logged (short ones would match by chance: codes are 6 digits, kept as is). */
  const secret = (value: string | undefined): string => {
    expect(value, 'a secret the run needs').toBeTruthy();
    secrets.add(value!);
    return value!;
  };

  /** Records an answer, its session cookie and the CSRF token of its page, if any. */
  const seen = (res: Answer): Answer => {
    answers.push(res);
    for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const value = c.split(';')[0].slice(c.indexOf('=') + 1);
      if (!value) continue;
      secret(value);
      const decoded = decodeURIComponent(value);
      secret(decoded);
      // The session id inside `s:<id>.<signature>`, and the signature.
      if (decoded.startsWith('s:')) {
        secret(decoded.slice(2, decoded.lastIndexOf('.')));
        secret(decoded.slice(decoded.lastIndexOf('.') + 1));
      }
    }
    if (typeof res.text === 'string' && res.text.includes('name="_csrf"')) secret(csrfFrom(res.text));
    return res;
  };

  /** The next mail to `email` with a code: its code, and the tokens of its links, kept as secrets. */
  async function mailFor(email: string): Promise<ReceivedMail> {
    const mail = await smtp.waitForMail(email, { timeoutMs: 10_000 });
    if (mail.code) secret(mail.code);
    for (const [, token] of mail.text.matchAll(/[?&]t=([\w.-]+)/g)) secret(token);
    return mail;
  }

  async function codeFor(email: string): Promise<{ code: string; mail: ReceivedMail }> {
    for (;;) {
      const mail = await mailFor(email);
      if (mail.code && !mail.text.includes('/account/not-me')) return { code: mail.code, mail };
    }
  }

  const json = (agent: Agent, path: string, body?: object) =>
    agent
      .post(path)
      .set('Accept', JSON_TYPE)
      .send(body ?? {})
      .then(seen);

  beforeAll(async () => {
    await smtp.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The tests' own environment (random secrets, cheap hashing, no per-address budget), in production.
    Object.assign(
      env,
      testEnv(smtp.url, {
        NODE_ENV: 'production',
        LOG_LEVEL: 'verbose',
        PORT: String(port),
        APP_URL: `http://localhost:${port}`,
        TRUST_PROXY: 'loopback',
        REDIS_URL: testRedisUrl(),
        MAIL_QUEUE: queueName,
        // A reset code soon after the sign-up's code to the same address.
        OTP_RESEND_SECONDS: '1',
      }),
    );
    secret(env.SESSION_SECRET);
    secret(env.OTP_SECRET);
    for (const key of env.MFA_ENCRYPTION_KEY.split(',')) secret(key.slice(key.indexOf(':') + 1));
    secret(new URL(smtp.url).password);
    server = await startChild('main', env, httpLive(port));

    const password = secret(`pw-${randomBytes(9).toString('base64url')}`);
    const newPassword = secret(`pw-${randomBytes(9).toString('base64url')}`);
    const otherPassword = secret(`pw-${randomBytes(9).toString('base64url')}`);
    const alice = uniqueEmail('logs-alice');
    const bob = uniqueEmail('logs-bob');
    emails.push(alice, bob);

    // Alice signs up with the mailed code; the link's page is opened first (its token in the query).
    const a1 = request.agent(base);
    expect((await json(a1, '/register', { email: alice, password })).status).toBe(200);
    const signUp = await codeFor(alice);
    const link = /\/verify\/link\?t=[\w.-]+/.exec(signUp.mail.text)?.[0];
    expect(link).toBeDefined();
    expect(seen(await a1.get(link!).set('Accept', HTML_ACCEPT)).status).toBe(200);
    expect((await json(a1, '/verify', { code: signUp.code })).status).toBe(200);

    // She adds an authenticator app: its secret, its URL, its first code, ten recovery codes.
    await awayFromStepEdge(6000);
    const enrolledAt = Date.now();
    const setup = await json(a1, '/account/totp/setup');
    expect(setup.status).toBe(200);
    const totpSecret = secret(setup.body.secret as string);
    secret(setup.body.otpauthUrl as string);
    const confirmed = await json(a1, '/account/totp/confirm', { code: secret(totpCode(totpSecret, enrolledAt)) });
    expect(confirmed.status).toBe(200);
    const recoveryCodes = confirmed.body.recoveryCodes as string[];
    recoveryCodes.forEach((c) => secret(c));
    // With an Authorization header and the cookie sent by hand too.
    const bearer = secret(`tok-${randomBytes(16).toString('hex')}`);
    expect(seen(await a1.get('/me').set('Accept', JSON_TYPE).set('Authorization', `Bearer ${bearer}`)).status).toBe(
      200,
    );
    expect((await json(a1, '/logout')).status).toBe(204);

    // A form sign-in with its CSRF token and a wrong password.
    const form = request.agent(base);
    const page = seen(await form.get('/auth').set('Accept', HTML_ACCEPT));
    const wrongPassword = secret(`wrong-${randomBytes(6).toString('hex')}`);
    const posted = seen(
      await form
        .post('/auth')
        .type('form')
        .set('Accept', HTML_ACCEPT)
        .set('Origin', env.APP_URL)
        .send({ _csrf: csrfFrom(page.text), email: alice, password: wrongPassword }),
    );
    expect(posted.status).toBe(401);

    // Alice signs in with her authenticator, after a wrong code (the next time step: the first is spent).
    const a2 = request.agent(base);
    expect((await json(a2, '/auth', { email: alice, password })).body.status).toBe('second_factor_required');
    const later = enrolledAt + 30_000;
    expect((await json(a2, '/verify', { code: secret(wrongTotp(totpSecret, later)) })).status).toBe(401);
    expect((await json(a2, '/verify', { code: secret(totpCode(totpSecret, later)) })).status).toBe(200);
    expect((await json(a2, '/logout')).status).toBe(204);

    // Then with a recovery code (a notice follows, with its "this wasn't me" link: its page is opened).
    const a3 = request.agent(base);
    expect((await json(a3, '/auth', { email: alice, password })).status).toBe(200);
    expect((await json(a3, '/verify', { recoveryCode: recoveryCodes[0] })).status).toBe(200);
    const notice = await smtp.waitForMail(alice, { timeoutMs: 10_000 });
    for (const [, token] of notice.text.matchAll(/[?&]t=([\w.-]+)/g)) secret(token);
    const notMe = /\/account\/not-me\?t=[\w.-]+/.exec(notice.text)?.[0];
    expect(notMe, notice.text).toBeDefined();
    expect(seen(await request(base).get(notMe!).set('Accept', HTML_ACCEPT)).status).toBe(200);

    // She resets her password with a mailed code.
    const a4 = request.agent(base);
    await new Promise((r) => setTimeout(r, 1100)); // OTP_RESEND_SECONDS since her sign-up's code
    const forgot = await json(a4, '/password/forgot', { email: alice });
    expect(forgot.status, JSON.stringify(forgot.body)).toBe(200);
    const reset = await codeFor(alice);
    expect((await json(a4, '/password/reset', { code: reset.code, password: newPassword })).status).toBe(200);

    // Bob signs up, then signs in with his password and the emailed code, after a wrong code.
    const b1 = request.agent(base);
    expect((await json(b1, '/register', { email: bob, password: otherPassword })).status).toBe(200);
    expect((await json(b1, '/verify', { code: (await codeFor(bob)).code })).status).toBe(200);
    expect((await json(b1, '/logout')).status).toBe(204);
    await new Promise((r) => setTimeout(r, 1100)); // OTP_RESEND_SECONDS
    const b2 = request.agent(base);
    expect((await json(b2, '/auth', { email: bob, password: otherPassword })).status).toBe(200);
    const bobCode = (await codeFor(bob)).code;
    const wrongCode = secret(String((Number(bobCode) + 1) % 1_000_000).padStart(6, '0'));
    expect((await json(b2, '/verify', { code: wrongCode })).status).toBe(401);
    expect((await json(b2, '/verify', { code: bobCode })).status).toBe(200);

    // Request ids: a well-formed one from the trusted proxy is kept, another is replaced.
    seen(await request(base).get('/health/live').set('X-Request-Id', 'edge-7f3a.42:b'));
    seen(await request(base).get('/health/live').set('X-Request-Id', 'two words'));

    // Let the last mails go, then stop the server and read everything it printed.
    await new Promise((r) => setTimeout(r, 500));
    await server.kill('SIGTERM');
    output = server.fullOutput();
    lines = output
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        try {
          return JSON.parse(l) as Line;
        } catch {
          throw new Error(`Not a JSON line: ${l}`);
        }
      });
  }, 120_000);

  afterAll(async () => {
    await server?.kill('SIGKILL');
    await smtp.stop();
    const queue = new Queue(queueName, { connection: { url: testRedisUrl() } });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await flushMfaKeys();
  });

  it('prints one JSON object per line, at every level asked for', () => {
    expect(lines.length).toBeGreaterThan(50);
    const levels = new Set(lines.map((l) => l.level));
    for (const level of ['info', 'warn']) expect(levels).toContain(level);
    expect(lines.every((l) => typeof l.time === 'string' && typeof l.msg === 'string')).toBe(true);
    // The capture works: Nest's own lines and the requests are there.
    expect(lines.some((l) => l.context === 'NestApplication')).toBe(true);
    expect(lines.some((l) => l.msg?.startsWith('POST /verify 200'))).toBe(true);
  });

  it('logs no code, password, secret, token, cookie, session id or address', () => {
    expect(secrets.size).toBeGreaterThan(30);
    // A code of digits alone is looked for as a word of its own: inside a random request id's hex
    // digits it would be a coincidence, not a leak.
    const leaked = (s: string) =>
      /^\d+$/.test(s) ? new RegExp(`(?<![0-9a-zA-Z])${s}(?![0-9a-zA-Z])`).test(output) : output.includes(s);
    const found = [...secrets].filter(leaked);
    expect(found).toEqual([]);
    for (const email of emails) expect(output).not.toContain(email);
  });

  it("puts each answer's X-Request-Id on the line of its request", () => {
    for (const res of answers) {
      const id = res.headers['x-request-id'];
      const { req } = res as unknown as { req: { method: string; path: string } };
      const what = `${req.method} ${req.path} ${res.status}`;
      expect(id, what).toBeTruthy();
      const own = lines.filter((l) => l.reqId === id);
      const request = own.find((l) => l.req !== undefined);
      expect(request, `the request line of ${what}`).toBeDefined();
      expect((request!.res as { statusCode: number }).statusCode).toBe(res.status);
      // The path only: never a query string (tokens travel there).
      expect((request!.req as { url: string }).url).not.toContain('?');
    }
  });

  it('keeps a sane request id from the trusted proxy and replaces another', () => {
    const [kept, replaced] = answers.slice(-2).map((r) => r.headers['x-request-id']);
    expect(kept).toBe('edge-7f3a.42:b');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.some((l) => l.reqId === 'edge-7f3a.42:b')).toBe(true);
  });

  it('logs each sign-in step as an event line with its reason and the request id, naming a pseudonym', () => {
    const events = lines.filter((l) => l.context === 'AuthEvents');
    const names = new Set(events.map((l) => l.event));
    for (const name of [
      'auth.challenge_started',
      'auth.code_sent',
      'auth.factor_passed',
      'auth.factor_failed',
      'auth.signed_in',
      'auth.signed_out',
      'account.totp_enabled',
      'recovery_code.used',
      'password.reset',
    ]) {
      expect(names, name).toContain(name);
    }
    const failures = events
      .filter((l) => l.event === 'auth.factor_failed')
      .map((l) => `${String(l.factor)} ${String(l.reason)}`);
    expect(failures.sort()).toEqual(['email_otp invalid_code', 'pwd invalid_credentials', 'totp invalid_code']);
    for (const e of events) {
      expect(e.user).toMatch(/^u_[0-9a-f]{16}$/);
      expect(e.reqId, JSON.stringify(e)).toBeTruthy();
    }
    // The wrong authenticator code's line is on its request.
    const wrong = events.find((l) => l.event === 'auth.factor_failed' && l.factor === 'totp')!;
    const its = lines.find((l) => l.reqId === wrong.reqId && l.req !== undefined)!;
    expect(its.msg).toMatch(/^POST \/verify 401 /);
    // One account, one pseudonym, the one the README shows how to compute from OTP_SECRET.
    const pseudonym = (email: string) => {
      const key = createHmac('sha256', env.OTP_SECRET).update('log-pseudonyms').digest();
      return `u_${createHmac('sha256', key).update(email.toLowerCase()).digest('hex').slice(0, 16)}`;
    };
    expect(new Set(events.map((l) => l.user))).toEqual(new Set(emails.map(pseudonym)));
    expect(events.find((l) => l.event === 'account.totp_enabled')!.user).toBe(pseudonym(emails[0]));
  });
});
