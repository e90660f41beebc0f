import { randomBytes } from 'node:crypto';
import net from 'node:net';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyRing } from '../src/crypto/index.js';
import { uniqueEmail } from './support/app.js';
import { type ChildApp, httpLive, startChild } from './support/child-app.js';
import { freePort, testRedisUrl } from './support/redis.js';
import { TestSmtpServer } from './support/smtp.js';

// SIGTERM on `src/main.ts` in a child process: readiness fails at once while requests are still
// served for SHUTDOWN_GRACE_SECONDS, then the server stops accepting, in-flight requests and mail
// finish, and the process ends; past SHUTDOWN_TIMEOUT_SECONDS it cuts what is left and exits 1.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('graceful shutdown on SIGTERM', { timeout: 150_000 }, () => {
  const smtp = new TestSmtpServer();
  let port: number;
  let server: ChildApp | undefined;
  const open: net.Socket[] = [];

  beforeAll(() => smtp.start());
  afterEach(async () => {
    open.splice(0).forEach((s) => s.destroy());
    await server?.kill('SIGKILL');
    server = undefined;
  });
  afterAll(() => smtp.stop());

  async function start(shutdown: { grace: number; timeout: number }): Promise<ChildApp> {
    port = await freePort();
    server = await startChild(
      'main',
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'log',
        PORT: String(port),
        REDIS_URL: testRedisUrl(),
        SMTP_URL: smtp.url,
        MAIL_QUEUE: `mail-shutdown-${randomBytes(4).toString('hex')}`,
        AUTH_FIRST_FACTOR: 'email',
        SHUTDOWN_GRACE_SECONDS: String(shutdown.grace),
        SHUTDOWN_TIMEOUT_SECONDS: String(shutdown.timeout),
        SESSION_SECRET: randomBytes(24).toString('base64url'),
        OTP_SECRET: randomBytes(24).toString('base64url'),
        MFA_ENCRYPTION_KEY: generateKeyRing(),
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      httpLive(port),
      60_000,
    );
    return server;
  }

  /** A POST /auth whose headers and first half of the body are sent, the rest when `finish` is called. */
  async function inFlightSignIn(email: string) {
    const body = JSON.stringify({ email });
    const socket = net.connect(port, '127.0.0.1');
    open.push(socket);
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    const ended = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(
      `POST /auth HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 5)}`,
    );
    return {
      finish: () => socket.write(body.slice(5)),
      answer: async () => {
        await ended;
        return answer;
      },
    };
  }

  it('fails readiness at once, serves through the grace period, lets an in-flight request finish, then ends', async () => {
    const app = await start({ grace: 2, timeout: 10 });
    const http = request(`http://127.0.0.1:${port}`);
    expect((await http.get('/health/ready')).status).toBe(200);
    const slow = await inFlightSignIn(uniqueEmail('inflight'));

    const exited = app.kill('SIGTERM');
    const signalAt = Date.now();
    const probe = () => http.get('/health/ready').set('Accept', 'application/json');
    let ready = await probe();
    while (ready.status === 200 && Date.now() - signalAt < 1000) ready = await probe();
    expect(ready.status).toBe(503);
    expect(ready.body.error).toMatchObject({ shutdown: { status: 'down', message: 'shutting down' } });

    // During the grace period: still live, and a sign-in started now is answered and its code mailed.
    expect((await http.get('/health/live')).status).toBe(200);
    const email = uniqueEmail('grace');
    const during = await http.post('/auth').set('Accept', 'application/json').send({ email });
    expect(during.status, app.output()).toBe(200);
    expect(during.body.status).toBe('code_sent');

    // After it: no new connection is taken, but the request in flight since before is finished.
    await sleep(2500 - (Date.now() - signalAt));
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    slow.finish();
    expect(await slow.answer()).toMatch(/^HTTP\/1\.1 200 [\s\S]*"status":"code_sent"/);

    const exit = await exited;
    expect(exit.signal, app.output()).toBe('SIGTERM');
    expect(app.output()).toContain('Stopped: every request and mail job in hand finished');
    expect((await smtp.waitForMail(email)).code).toMatch(/^\d{6}$/);
  });

  it('cuts what is still open after SHUTDOWN_TIMEOUT_SECONDS and exits with 1', async () => {
    const app = await start({ grace: 0, timeout: 1 });
    const stuck = await inFlightSignIn(uniqueEmail('stuck'));
    const signalAt = Date.now();
    const exit = await app.kill('SIGTERM');
    expect(exit.code, app.output()).toBe(1);
    expect(Date.now() - signalAt).toBeGreaterThanOrEqual(1000);
    expect(app.output()).toContain('Still busy after 1 s');
    expect(await stuck.answer()).toBe('');
  });
});
