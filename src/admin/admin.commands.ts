import { Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { parseEmail } from '../auth/index.js';
import type { SubjectStatus } from '../otp/index.js';
import { AdminAccountsService } from './admin-accounts.service.js';
import { AdminMailService, type FailedMail, type MailRetryOutcome } from './admin-mail.service.js';
import { AdminCommandError } from './admin.errors.js';
import { AdminOutput } from './admin.output.js';

type Commander = Parameters<CommandRunner['setCommand']>[0];

/**
 * What every admin command shares: errors of the command line throw (the runner ends with exit
 * code 2 and the usage) instead of ending the process, extra arguments are refused, and answers
 * are written to {@link AdminOutput}.
 */
abstract class AdminCommand extends CommandRunner {
  constructor(protected readonly output: AdminOutput) {
    super();
  }

  override setCommand(command: Commander): this {
    command.exitOverride().showHelpAfterError().allowExcessArguments(false);
    return super.setCommand(command);
  }

  protected print(...lines: string[]): void {
    this.output.write(lines.map((l) => `${l}\n`).join(''));
  }

  /** The normalised address, as the sign-in forms take it. @throws AdminCommandError (exit 2) */
  protected email(raw: string | undefined): string {
    const email = raw === undefined ? undefined : parseEmail(raw);
    if (!email) throw new AdminCommandError(`Not an email address: ${JSON.stringify(raw ?? '')}`, 2);
    return email;
  }
}

/** A command on one account. */
@Injectable()
abstract class AccountCommand extends AdminCommand {
  constructor(
    output: AdminOutput,
    protected readonly accounts: AdminAccountsService,
  ) {
    super(output);
  }
}

/** A command on the mail queue. */
@Injectable()
abstract class MailCommand extends AdminCommand {
  constructor(
    output: AdminOutput,
    protected readonly mail: AdminMailService,
  ) {
    super(output);
  }
}

/** `unlock <email>`: ends the identifier's lock and forgets its failures. */
@Command({
  name: 'unlock',
  arguments: '<email>',
  description: "End an address's lock and forget its failed attempts (and those of its known browsers)",
})
export class UnlockCommand extends AccountCommand {
  async run([raw]: string[]): Promise<void> {
    const email = this.email(raw);
    const { wasLocked, devicesUnlocked } = await this.accounts.unlock(email);
    this.print(
      `${email}: ${wasLocked ? 'unlocked' : 'was not locked'}; failed attempts forgotten` +
        (devicesUnlocked ? `; ${devicesUnlocked} known browser(s) unlocked` : ''),
    );
  }
}

/** `sessions:end <email>`: signs the account out everywhere. */
@Command({
  name: 'sessions:end',
  arguments: '<email>',
  description: 'End every session of an account and forget its trusted browsers (sign out everywhere)',
})
export class SessionsEndCommand extends AccountCommand {
  async run([raw]: string[]): Promise<void> {
    const email = this.email(raw);
    const ended = await this.accounts.endSessions(email);
    this.print(`${email}: ${ended} session(s) ended; trusted browsers forgotten`);
  }
}

/** `counters <email> [--json]`: the lock, failures and send budget (never a code). */
@Command({
  name: 'counters',
  arguments: '<email>',
  description: "Show an address's lock, failed attempts and send budget (and its known browsers' own)",
})
export class CountersCommand extends AccountCommand {
  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }

  async run([raw]: string[], options: { json?: boolean } = {}): Promise<void> {
    const email = this.email(raw);
    const counters = await this.accounts.counters(email);
    if (options.json) return this.print(JSON.stringify({ email, ...counters }, null, 2));
    this.print(email, ...describeStatus(counters.identifier));
    for (const d of counters.devices) this.print(`known browser ${d.id} (${d.device})`, ...describeStatus(d.status));
  }
}

/** `mail:failed [--limit n] [--json]`: the latest failed mail jobs, without their content. */
@Command({
  name: 'mail:failed',
  description:
    'List the latest failed mail jobs: id, recipient, reason, attempts, when, and whether they can be retried',
})
export class MailFailedCommand extends MailCommand {
  @Option({ flags: '--limit <n>', description: 'how many, newest first (1 to 1000)', defaultValue: '20' })
  parseLimit(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }

  async run(_args: string[], options: { limit?: string; json?: boolean } = {}): Promise<void> {
    const limit = Number(options.limit ?? '20');
    if (!/^\d+$/.test(options.limit ?? '20') || limit < 1 || limit > 1000) {
      throw new AdminCommandError('--limit must be a whole number from 1 to 1000', 2);
    }
    const failed = await this.mail.failed(limit);
    if (options.json) return this.print(JSON.stringify(failed, null, 2));
    if (!failed.length) return this.print('No failed mail jobs.');
    this.print(...failed.map(describeFailed));
  }
}

/** `mail:retry <jobId...> | --all`: sends failed jobs again where that still means something. */
@Command({
  name: 'mail:retry',
  arguments: '[jobIds...]',
  description:
    'Send failed mail jobs again: a job with its content is queued again; a code mail whose sign-in step still waits gets a new code; others are skipped',
})
export class MailRetryCommand extends MailCommand {
  @Option({ flags: '--all', description: 'every failed job' })
  parseAll(): boolean {
    return true;
  }

  async run(ids: string[], options: { all?: boolean } = {}): Promise<void> {
    if (!!options.all === ids.length > 0) throw new AdminCommandError('Give job ids, or --all (not both).', 2);
    const outcomes = await this.mail.retry(options.all ? 'all' : ids);
    if (!outcomes.length) return this.print('No failed mail jobs.');
    this.print(...outcomes.map(describeRetry));
    const skipped = outcomes.filter((o) => o.outcome === 'skipped');
    // Named jobs that were not sent again are a failure; with --all, skipping is expected.
    if (!options.all && skipped.length) {
      throw new AdminCommandError(`${skipped.length} of ${outcomes.length} job(s) could not be sent again.`);
    }
  }
}

/** Every admin command, for the module. */
export const ADMIN_COMMANDS = [UnlockCommand, SessionsEndCommand, CountersCommand, MailFailedCommand, MailRetryCommand];

function describeStatus(s: SubjectStatus): string[] {
  return [
    `  lock:       ${s.lockedSeconds > 0 ? `locked, ${s.lockedSeconds} s left` : 'not locked'}`,
    `  failures:   ${s.failures} (a lock starts at ${s.failureThreshold})` +
      (s.failures ? `, forgotten in ${s.failuresResetSeconds} s` : ''),
    `  sends:      ${s.sends.map((w) => `${w.count} of ${w.max} in ${w.windowSeconds} s`).join(', ') || 'none'}`,
    `  next send:  ${s.nextSendSeconds > 0 ? `in ${s.nextSendSeconds} s` : 'now'}`,
  ];
}

function describeFailed(m: FailedMail): string {
  const retry = m.retry === 'none' ? `no (${m.why})` : m.retry === 'resend' ? 'yes, with a new code' : 'yes';
  return [
    `${m.id}  to ${m.to}${m.template ? ` (${m.template})` : ''}`,
    `  failed ${m.failedAt} after ${m.attempts} attempt(s): ${m.reason}`,
    `  retry: ${retry}`,
  ].join('\n');
}

function describeRetry(o: MailRetryOutcome): string {
  const what = { requeued: 'queued again', resent: 'sent again with a new code', skipped: `skipped: ${o.why}` };
  return `${o.id}  to ${o.to}: ${what[o.outcome]}`;
}
