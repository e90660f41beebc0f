import { createHmac } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AccountEvents } from '../account/index.js';
import { AuthEvents } from '../auth/index.js';
import { OtpEvents } from '../otp/index.js';
import { PasskeyEvents } from '../passkeys/index.js';
import { PasswordEvents } from '../password/index.js';
import { RecoveryCodeEvents } from '../recovery-codes/index.js';
import { InjectLoggingOptions, type LoggingModuleOptions } from './logging.module-definition.js';

/** The events logged, one line each. */
export const LOGGED_EVENTS: readonly string[] = [
  ...Object.values(AuthEvents),
  OtpEvents.Locked,
  ...Object.values(AccountEvents),
  ...Object.values(PasswordEvents),
  ...Object.values(PasskeyEvents),
  RecoveryCodeEvents.Used,
];

/** Payload fields copied to the line as they are: enums and counts, never an address, code or secret. */
const KEPT = [
  'purpose',
  'step',
  'factor',
  'factors',
  'reason',
  'aal',
  'send',
  'newBrowser',
  'lockSeconds',
  'count',
  'remaining',
  'sessionsEnded',
  'kind',
] as const;

/**
 * One log line per security event (`context` `AuthEvents`), so every step of a sign-in can be
 * followed in the logs: the event name as the message and in `event`, the account as a pseudonym
 * (`user`: `u_` and 16 hex digits of an HMAC of the address, never the address), and the step's
 * enums and counts (`purpose`, `factor`, `reason` of a failure, `aal`, ...). Inside a request the
 * line carries its `reqId`.
 */
@Injectable()
export class AuthEventsLogListener implements OnModuleInit, OnModuleDestroy {
  protected readonly logger = new Logger('AuthEvents');
  private readonly handlers = new Map<string, (payload: unknown) => void>();

  constructor(
    @InjectLoggingOptions() protected readonly options: LoggingModuleOptions,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  // One handler per name, added by hand: `@OnEvent` does not tell a handler which event it got.
  onModuleInit(): void {
    for (const name of LOGGED_EVENTS) {
      const handler = (payload: unknown) => this.logEvent(name, payload);
      this.handlers.set(name, handler);
      this.events?.on(name, handler);
    }
  }

  onModuleDestroy(): void {
    for (const [name, handler] of this.handlers) this.events?.off(name, handler);
  }

  /** Writes the line of one event (`name`). */
  logEvent(name: string, payload: unknown): void {
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
    const line: Record<string, unknown> = { msg: name, event: name };
    const who = [p.email, p.identifier, p.subject].find((v): v is string => typeof v === 'string');
    if (who) {
      // A known device's own lock is `<email>#kd:<hash>`: the account's pseudonym, and its scope.
      const hash = who.indexOf('#');
      line.user = this.pseudonym(hash < 0 ? who : who.slice(0, hash));
      if (hash >= 0) line.scope = 'known_device';
    }
    for (const key of KEPT) if (p[key] !== undefined) line[key] = p[key];
    // "This wasn't me" names the notice it answered.
    if (name === AccountEvents.NotMe && typeof p.event === 'string') line.notice = p.event;
    this.logger.log(line);
  }

  /** `u_` and 16 hex digits of HMAC-SHA256(key, lower-cased address). */
  protected pseudonym(email: string): string {
    return `u_${createHmac('sha256', this.options.pseudonymKey).update(email.toLowerCase()).digest('hex').slice(0, 16)}`;
  }
}
