import type { LoggerService, LogLevel } from '@nestjs/common';

/** Nest's own start-up chatter (every module initialised): not an operator's business. */
const QUIET_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'NestApplicationContext']);

/**
 * The command line's logger: one line per message on stderr (`<time> LOG [Admin] ...`), so answers
 * on stdout can be piped; messages only, never a stack trace; Nest's start-up lines left out.
 */
export class AdminLogger implements LoggerService {
  constructor(
    private readonly write: (text: string) => void,
    private readonly levels: readonly LogLevel[],
  ) {}

  log(message: unknown, ...rest: unknown[]) {
    const context = contextOf(rest);
    if (!QUIET_CONTEXTS.has(context ?? '')) this.print('log', message, context);
  }

  error(message: unknown, ...rest: unknown[]) {
    this.print('error', message, contextOf(rest));
  }

  warn(message: unknown, ...rest: unknown[]) {
    this.print('warn', message, contextOf(rest));
  }

  debug(message: unknown, ...rest: unknown[]) {
    this.print('debug', message, contextOf(rest));
  }

  verbose(message: unknown, ...rest: unknown[]) {
    this.print('verbose', message, contextOf(rest));
  }

  fatal(message: unknown, ...rest: unknown[]) {
    this.print('fatal', message, contextOf(rest));
  }

  private print(level: LogLevel, message: unknown, context?: string) {
    if (!this.levels.includes(level)) return;
    const text = message instanceof Error ? message.message : String(message);
    this.write(`${new Date().toISOString()} ${level.toUpperCase()} ${context ? `[${context}] ` : ''}${text}\n`);
  }
}

/** Nest passes the context last (after a stack trace, for errors). */
function contextOf(rest: unknown[]): string | undefined {
  const last = rest.at(-1);
  return typeof last === 'string' && !last.includes('\n') ? last : undefined;
}
