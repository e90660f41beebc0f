import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { LoggerService } from '@nestjs/common';
import { type DestinationStream, type Level, type Logger as PinoLogger, pino } from 'pino';

/** Nest's level names, as `LOG_LEVEL` takes them. */
export type LogLevelName = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** What {@link createPinoLogger} takes. */
export interface AppLoggerOptions {
  /** The lowest level written (Nest's names: `log` is pino's `info`, `verbose` its `trace`). */
  level: LogLevelName;
  /** `json`: one JSON object a line; `pretty`: one readable line (pino-pretty), for a terminal. */
  format: 'json' | 'pretty';
  /** Where lines go (default `process.stdout`). */
  destination?: DestinationStream;
}

const PINO_LEVEL: Record<LogLevelName, Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Names whose value is a secret wherever they appear: a body field, a logged object, a job. */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'secret',
  'token',
  'recoveryCode',
  'recoveryCodes',
  'answer',
  'response',
  'link',
  'otpauthUrl',
  'cookie',
  'authorization',
];

/**
 * Paths pino replaces with `[redacted]` in every line, whoever logs the object: the headers that
 * carry a session or a credential, and fields that hold a code, a password, a token or a secret
 * (top level, one level down, and in a request's body). `code` is left out of the one-level
 * wildcard on purpose: an error's `code` (`ECONNREFUSED`) says why something failed.
 */
export const REDACTED_PATHS: readonly string[] = [
  ...['req', 'res', ''].flatMap((o) =>
    ['cookie', 'authorization', '["proxy-authorization"]', '["set-cookie"]', '["x-csrf-token"]'].map(
      (h) => `${o ? `${o}.` : ''}headers${h.startsWith('[') ? h : `.${h}`}`,
    ),
  ),
  'code',
  'body.code',
  'req.body.code',
  'context.code',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `req.body.${f}`]),
];

/**
 * The process's pino logger: `LOG_LEVEL`, JSON lines or readable ones, ISO times, level names,
 * and {@link REDACTED_PATHS} redacted. Lines are written synchronously to the destination.
 */
export function createPinoLogger(options: AppLoggerOptions): PinoLogger {
  const out = options.destination ?? process.stdout;
  const destination: DestinationStream =
    options.format === 'pretty' ? prettyStream(out) : { write: (line: string) => void out.write(line) };
  return pino(
    {
      level: PINO_LEVEL[options.level],
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * One readable line per entry (pino-pretty's formatter, run in this thread: no worker, no delay).
 * pino-pretty is loaded only here: a server writing JSON never loads it.
 */
function prettyStream(out: DestinationStream): DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const format = prettyFactory({
    colorize: (out as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,event,req,res,responseTime',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  return { write: (line: string) => void out.write(format(line)) };
}

/** The logger of a request: its `reqId` child, possibly made on first use of `logger`. */
export interface RequestLog {
  readonly logger: PinoLogger;
}

/** The log of the request being handled (its `reqId` logger), set by `requestLogging`. */
export const requestLogger = new AsyncLocalStorage<RequestLog>();

const STACK = /\n\s+at /;

/**
 * Nest's logger on pino: `new Logger('Context').log(...)` anywhere writes one line with its
 * `context`, and inside a request the request's `reqId` too (the request's child logger, found
 * through {@link requestLogger}). Give it to `NestFactory.create(..., { logger })`.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: PinoLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /**
   * Nest passes `(message, ...params, context)`, and for errors `(message, stack?, context)`: the
   * last string is the context, unless it is a lone stack trace.
   */
  protected write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const logger = requestLogger.getStore()?.logger ?? this.pino;
    const rest = [...params];
    const last = rest.at(-1);
    const context =
      typeof last === 'string' && !(level === 'error' && rest.length === 1 && STACK.test(last))
        ? (rest.pop() as string)
        : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    const stack = level === 'error' ? rest.find((p): p is string => typeof p === 'string') : undefined;
    if (message instanceof Error) {
      logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      logger[level](stack ? { ...fields, stack } : fields, String(message));
    }
  }
}
