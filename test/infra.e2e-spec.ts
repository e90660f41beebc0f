import net from 'node:net';
import nodemailer from 'nodemailer';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushKeys, freePort, startRedisServer, testRedisUrl, type RedisProcess } from './support/redis.js';
import { extractCode, TestSmtpServer } from './support/smtp.js';

/** Connects without retries, so a refused connection rejects instead of reconnecting forever. */
async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2000 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

describe('extractCode', () => {
  it.each([
    ['Your code is 123456.', '123456'],
    ['Code: 123 456', '123456'],
    ['Code:\n123-456\nThanks', '123456'],
    ['Order 1234567, code 654321', '654321'],
    ['ref abc123456 then 111222', '111222'],
    ['call 123 456 789', undefined],
    ['no code here', undefined],
  ])('%j -> %s', (text, code) => {
    expect(extractCode(text)).toBe(code);
  });

  it('supports other lengths', () => {
    expect(extractCode('pin 1234 or 12345678', 8)).toBe('12345678');
    expect(extractCode('pin 1234-5678', 8)).toBe('12345678');
    expect(extractCode('pin 1234 or 12345678', 4)).toBe('1234');
  });
});

describe('TestSmtpServer', () => {
  const smtp = new TestSmtpServer();
  let transport: ReturnType<typeof nodemailer.createTransport>;
  const send = (to: string, subject: string, text: string, html?: string) =>
    transport.sendMail({ from: 'MFA App <no-reply@example.test>', to, subject, text, html });

  beforeAll(async () => {
    await smtp.start();
    transport = nodemailer.createTransport(smtp.url);
  });
  afterAll(async () => {
    transport?.close();
    await smtp.stop();
  });

  it('exposes an smtp:// URL with credentials', () => {
    expect(smtp.url).toMatch(/^smtp:\/\/user:pass@127\.0\.0\.1:\d+$/);
  });

  it('receives, authenticates and parses a text + html mail', async () => {
    const since = Date.now();
    const info = await send(
      'Alice@Example.TEST',
      'Your sign-in code',
      'Hello Alice,\nyour code is 482 913.\nIt expires in 10 minutes.',
      '<p>Hello Alice,</p><p>your code is <b>482 913</b>.</p>',
    );
    expect(info.accepted).toHaveLength(1);
    const mail = await smtp.waitForMail('alice@example.test', { since });
    expect(mail.to).toEqual(['alice@example.test']);
    expect(mail.from).toContain('no-reply@example.test');
    expect(mail.subject).toBe('Your sign-in code');
    expect(mail.text).toContain('your code is 482 913.');
    expect(mail.html).toContain('<b>482 913</b>');
    expect(mail.code).toBe('482913');
    expect(mail.receivedAt).toBeGreaterThanOrEqual(since);
    expect(smtp.mailsTo('ALICE@example.test')).toContain(mail);
  });

  it('waits for a mail that arrives later and returns each mail once by default', async () => {
    const waiting = smtp.waitForMail('bob@example.test');
    await send('bob@example.test', 'first', 'code 111111');
    expect((await waiting).code).toBe('111111');
    await send('bob@example.test', 'second', 'code 222-222');
    expect((await smtp.waitForMail('bob@example.test')).subject).toBe('second');
    await expect(smtp.waitForMail('bob@example.test', { timeoutMs: 200 })).rejects.toThrow(
      /No mail to bob@example\.test within 200 ms/,
    );
    expect(smtp.mailsTo('bob@example.test').map((m) => m.code)).toEqual(['111111', '222222']);
  });

  it('clear() forgets received mails', async () => {
    await send('carol@example.test', 'x', 'no code');
    await smtp.waitForMail('carol@example.test');
    smtp.clear();
    expect(smtp.mails).toHaveLength(0);
    expect(smtp.mailsTo('carol@example.test')).toEqual([]);
  });
});

describe('Redis helpers', () => {
  it('testRedisUrl() points at a Redis answering PING', async () => {
    const client = await connect(testRedisUrl());
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.destroy();
    }
  });

  it('flushKeys() deletes only the keys matching the pattern', async () => {
    const url = testRedisUrl();
    const prefix = `test:infra:${process.pid}:${Date.now()}`;
    const client = await connect(url);
    try {
      await client.mSet({ [`${prefix}:a:1`]: '1', [`${prefix}:a:2`]: '2', [`${prefix}:b:1`]: '3' });
      expect(await flushKeys(url, `${prefix}:a:*`)).toBe(2);
      expect(await client.exists([`${prefix}:a:1`, `${prefix}:a:2`, `${prefix}:b:1`])).toBe(1);
      await flushKeys(url, `${prefix}:*`);
      expect(await client.exists(`${prefix}:b:1`)).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('freePort() returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(port, '127.0.0.1', resolve));
    expect((srv.address() as net.AddressInfo).port).toBe(port);
    await new Promise((r) => srv.close(r));
  });

  describe('startRedisServer()', () => {
    let redis: RedisProcess;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis?.stop());

    it('can be stopped and started again on the same port', async () => {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      const c1 = await connect(redis.url);
      expect(await c1.ping()).toBe('PONG');
      c1.destroy();

      await redis.stop();
      await expect(connect(redis.url)).rejects.toThrow(/ECONNREFUSED/);

      await redis.start();
      const c2 = await connect(redis.url);
      expect(await c2.ping()).toBe('PONG');
      c2.destroy();
    });
  });
});
