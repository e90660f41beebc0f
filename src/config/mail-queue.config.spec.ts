import { describe, expect, it } from 'vitest';
import { appOptions } from '../app.options.js';
import { ConfigError, loadConfig } from './app.config.js';

const REDIS = { REDIS_URL: 'redis://redis:6379' };

describe('loadConfig: the mail queue (MAIL_WORKER, MAIL_QUEUE, MAIL_LOCK_SECONDS)', () => {
  it('runs the worker inline on the queue `mail` by default', () => {
    const c = loadConfig(REDIS);
    expect(c.mailWorker).toBe('inline');
    expect(c.mailQueue).toBe('mail');
    expect(c.mailQueueTemporary).toBe(false);
    expect(c.mailLockSeconds).toBe(10);
    expect(appOptions.mail(c).queue).toEqual({
      url: REDIS.REDIS_URL,
      name: 'mail',
      worker: true,
      lockMs: 10_000,
      temporary: false,
    });
  });

  it("MAIL_LOCK_SECONDS sets how long a worker's hold on a job lasts", () => {
    expect(appOptions.mail(loadConfig({ ...REDIS, MAIL_LOCK_SECONDS: '2' })).queue).toMatchObject({ lockMs: 2000 });
  });

  it('has no queue without REDIS_URL: mail is delivered in process', () => {
    expect(appOptions.mail(loadConfig({})).queue).toBeUndefined();
  });

  it('MAIL_WORKER=off keeps the queue and runs no worker', () => {
    const c = loadConfig({ ...REDIS, MAIL_WORKER: 'off', MAIL_QUEUE: 'mail.eu-1' });
    expect(appOptions.mail(c).queue).toMatchObject({ name: 'mail.eu-1', worker: false });
  });

  it('gives each app a throw-away queue of its own under NODE_ENV=test, unless MAIL_QUEUE names one', () => {
    const a = loadConfig({ ...REDIS, NODE_ENV: 'test' });
    const b = loadConfig({ ...REDIS, NODE_ENV: 'test' });
    expect(a.mailQueue).toMatch(/^mail-test-[0-9a-f]{12}$/);
    expect(a.mailQueue).not.toBe(b.mailQueue);
    expect(a.mailQueueTemporary).toBe(true);
    const shared = loadConfig({ ...REDIS, NODE_ENV: 'test', MAIL_QUEUE: 'shared' });
    expect([shared.mailQueue, shared.mailQueueTemporary]).toEqual(['shared', false]);
  });

  it.each([
    [{ MAIL_WORKER: 'separate' }, 'MAIL_WORKER must be inline or off'],
    [{ MAIL_QUEUE: 'bull:mail' }, 'MAIL_QUEUE must be letters'],
    [{ MAIL_LOCK_SECONDS: '0' }, 'MAIL_LOCK_SECONDS'],
    [{ MAIL_LOCK_SECONDS: '301' }, 'MAIL_LOCK_SECONDS'],
    [{ MAIL_LOCK_SECONDS: '1.5' }, 'MAIL_LOCK_SECONDS'],
    [{ MAIL_WORKER: 'off', REDIS_URL: undefined }, 'MAIL_WORKER=off needs REDIS_URL'],
    [{ MAIL_WORKER: 'off', NODE_ENV: 'test' }, 'MAIL_WORKER=off needs MAIL_QUEUE when NODE_ENV=test'],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => loadConfig({ ...REDIS, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...REDIS, ...env })).toThrow(message);
  });
});
