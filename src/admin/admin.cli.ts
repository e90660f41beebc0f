// `npm run admin -- <command>`: the operator's command line (see the README's "Admin command line").
// Exit codes: 0 done, 1 the action failed or did not apply, 2 wrong arguments or configuration.
import 'reflect-metadata';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { INestApplicationContext, LogLevel } from '@nestjs/common';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { type AppConfig, ConfigError, loadConfig, loadDotEnv } from '../config/app.config.js';
import { StoreUnavailableError } from '../redis/index.js';
import { AdminCommandError } from './admin.errors.js';
import { AdminLogger } from './admin.logger.js';
import { AdminModule } from './admin.module.js';

/** Where a run writes: answers (`out`, stdout) and messages and logs (`err`, stderr). */
export interface AdminIo {
  out(text: string): void;
  err(text: string): void;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const HELP_HINT = 'Run `npm run admin -- --help` for the commands.\n';

/**
 * Runs one admin command (`args`, e.g. `['unlock', 'a@b.test']`) against the Redis of `env` (default
 * `process.env`), in this process: the app's modules are built from the validated config, the
 * command runs, and everything is closed again.
 * @returns the exit code: 0 done, 1 the action failed or did not apply, 2 wrong arguments or
 *   configuration (no Redis configured included). Never throws for those.
 */
export async function runAdmin(
  args: string[],
  options: { io?: AdminIo; env?: Record<string, string | undefined> } = {},
): Promise<number> {
  const io = options.io ?? { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  let config: AppConfig;
  try {
    config = loadConfig(options.env ?? process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return 2;
  }
  if (!config.redisUrl && !config.redisClusterNodes?.length) {
    io.err(
      'The admin commands need REDIS_URL (or REDIS_CLUSTER_NODES), the same as the servers: without it each ' +
        'server keeps its sessions, locks and mail in its own memory, and there is nothing shared to administer.\n',
    );
    return 2;
  }

  let failure: unknown;
  let app: INestApplicationContext;
  try {
    app = await CommandFactory.createWithoutRunning(AdminModule.forRoot(config, { write: io.out }), {
      logger: new AdminLogger(io.err, LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1)),
      abortOnError: false,
      // commander throws instead of ending the process; the error is read below.
      errorHandler: (err) => {
        throw err;
      },
      serviceErrorHandler: (err) => {
        failure = err;
      },
      outputConfiguration: { writeOut: io.out, writeErr: io.err },
    });
  } catch (err) {
    io.err(`Could not start: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}\n`);
    return 1;
  }
  try {
    await app.get(CommandRunnerService).run(['node', 'admin', ...args]);
  } finally {
    await app.close();
  }
  return exitCode(failure, io);
}

function exitCode(failure: unknown, io: AdminIo): number {
  if (failure === undefined) return 0;
  if (isCommanderError(failure)) {
    // commander has printed the error and the usage (or the help that was asked for).
    if (['commander.helpDisplayed', 'commander.version'].includes(failure.code)) return 0;
    if (failure.code === 'commander.unknownCommand') io.err(HELP_HINT);
    return 2;
  }
  if (failure instanceof AdminCommandError) {
    io.err(`${failure.message}\n${failure.exitCode === 2 ? HELP_HINT : ''}`);
    return failure.exitCode;
  }
  if (failure instanceof StoreUnavailableError) {
    io.err('Redis did not answer in time: the command did not complete. Try again.\n');
    return 1;
  }
  io.err(`The command failed: ${failure instanceof Error ? failure.message : JSON.stringify(failure)}\n`);
  return 1;
}

/** commander's own errors (a missing argument, an unknown command, help shown): `CommanderError`. */
function isCommanderError(err: unknown): err is { code: string; exitCode: number } {
  return err instanceof Error && err.name === 'CommanderError' && typeof (err as { code?: unknown }).code === 'string';
}

// Run when started as `node dist/admin/admin.cli.js`, not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  loadDotEnv();
  const code = await runAdmin(process.argv.slice(2));
  process.exitCode = code;
  // Everything is closed by now; should a connection linger, it does not hold the shell.
  setTimeout(() => process.exit(code), 5000).unref();
}
