import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { AppLogger, createPinoLogger, requestLogger } from './app-logger.js';

/** A destination that keeps what pino writes. */
function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('createPinoLogger', () => {
  afterEach(() => Logger.overrideLogger(false));

  it('writes JSON lines with level names, ISO times, and the secrets redacted', () => {
    const out = capture();
    const logger = createPinoLogger({ level: 'log', format: 'json', destination: out.destination });
    logger.info(
      {
        req: { headers: { cookie: 'sid=s%3Aabc.def', authorization: 'Bearer t0ken', 'x-csrf-token': 'c5rf' } },
        res: { headers: { 'set-cookie': 'sid=xyz' } },
        body: { email: 'a@example.com', password: 'hunter22', code: '123456' },
        job: { token: 'tok-1', secret: 'sec-1' },
        err: { code: 'ECONNREFUSED' },
      },
      'hello',
    );
    logger.debug('not at this level');
    expect(out.lines).toHaveLength(1);
    const line = JSON.parse(out.lines[0]);
    expect(line).toMatchObject({ level: 'info', msg: 'hello' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
    expect(line.req.headers).toEqual({
      cookie: '[redacted]',
      authorization: '[redacted]',
      'x-csrf-token': '[redacted]',
    });
    expect(line.res.headers['set-cookie']).toBe('[redacted]');
    expect(line.body).toEqual({ email: 'a@example.com', password: '[redacted]', code: '[redacted]' });
    expect(line.job).toEqual({ token: '[redacted]', secret: '[redacted]' });
    expect(line.err.code).toBe('ECONNREFUSED'); // why something failed stays readable
  });

  it('writes one readable line in the pretty format', () => {
    const out = capture();
    const logger = createPinoLogger({ level: 'verbose', format: 'pretty', destination: out.destination });
    logger.info({ context: 'Bootstrap' }, 'Listening');
    logger.trace('fine detail');
    expect(out.lines).toHaveLength(2);
    expect(out.lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Bootstrap\] Listening\n$/);
    expect(out.lines[1]).toMatch(/TRACE: fine detail/);
    expect(() => JSON.parse(out.lines[0])).toThrow();
  });
});

describe('AppLogger', () => {
  afterEach(() => Logger.overrideLogger(false));

  function setUp(level: 'log' | 'verbose' = 'log') {
    const out = capture();
    const pino = createPinoLogger({ level, format: 'json', destination: out.destination });
    Logger.overrideLogger(new AppLogger(pino));
    return { pino, lines: () => out.lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it("carries Nest's `new Logger(context)` calls: context, levels, a stack, an object", () => {
    const { lines } = setUp('verbose');
    const logger = new Logger('Mail');
    logger.log('sent');
    logger.warn('slow');
    logger.error('failed', 'Error: boom\n    at x (y.js:1:1)');
    logger.verbose('detail');
    logger.log({ msg: 'auth.signed_in', event: 'auth.signed_in', aal: 2 });
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', context: 'Mail', msg: 'sent' }),
      expect.objectContaining({ level: 'warn', context: 'Mail', msg: 'slow' }),
      expect.objectContaining({
        level: 'error',
        context: 'Mail',
        msg: 'failed',
        stack: expect.stringMatching(/^Error: boom/),
      }),
      expect.objectContaining({ level: 'trace', context: 'Mail', msg: 'detail' }),
      expect.objectContaining({
        level: 'info',
        context: 'Mail',
        msg: 'auth.signed_in',
        event: 'auth.signed_in',
        aal: 2,
      }),
    ]);
  });

  it('puts the request id on every line logged while a request is handled', () => {
    const { pino, lines } = setUp();
    requestLogger.run({ logger: pino.child({ reqId: 'req-1' }) }, () => new Logger('Auth').log('inside'));
    new Logger('Auth').log('outside');
    expect(lines().map((l) => [l.msg, l.reqId])).toEqual([
      ['inside', 'req-1'],
      ['outside', undefined],
    ]);
  });

  it('skips what is below the level without formatting it', () => {
    const { lines } = setUp('log');
    new Logger('X').debug('hidden');
    new Logger('X').verbose('hidden too');
    expect(lines()).toEqual([]);
  });
});
