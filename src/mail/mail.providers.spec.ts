import { describe, expect, it } from 'vitest';
import { resolveMailOptions } from './mail.providers.js';

const base = { transport: 'smtp' as const, appUrl: 'https://signin.example.com' };

describe('resolveMailOptions', () => {
  it('applies the defaults: 4 attempts from 250 ms, and no queue without one', () => {
    expect(resolveMailOptions(base)).toEqual({ retry: { attempts: 4, delayMs: 250 }, queue: undefined });
  });

  it('applies the queue defaults, an option left undefined included', () => {
    expect(resolveMailOptions({ ...base, queue: { url: 'redis://r:6379', name: undefined } }).queue).toEqual({
      url: 'redis://r:6379',
      name: 'mail',
      worker: true,
      concurrency: 5,
      lockMs: 10_000,
      keepFailedDays: 7,
      temporary: false,
    });
  });

  it('refuses options that would lose or flood mail, saying what to change', () => {
    expect(() =>
      resolveMailOptions({
        ...base,
        retry: { attempts: 0 },
        queue: { url: 'http://r', name: 'a:b', concurrency: 0, lockMs: 10 },
      }),
    ).toThrow(
      'MailModule options: retry.attempts must be a positive integer; queue.url must be a redis:// or rediss:// URL; ' +
        'queue.name must be letters, digits, ".", "_" or "-"; queue.concurrency must be a positive integer; ' +
        'queue.lockMs must be an integer of at least 1000',
    );
  });
});
