import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuthEvents, UserStore } from '../auth/index.js';
import { OtpEvents } from '../otp/index.js';
import { PasskeyEvents } from '../passkeys/index.js';
import { PasswordEvents } from '../password/index.js';
import { RecoveryCodeEvents } from '../recovery-codes/index.js';
import { AccountStore, type ActivityEntry } from './account-store.js';
import { AccountEvents } from './account.events.js';

/** The account's activity keeps its last 50 security events, for 90 days. */
export const ACTIVITY_KEEP = 50;
export const ACTIVITY_TTL_MS = 90 * 86_400_000;

const EVENTS = [
  ...Object.values(AuthEvents),
  ...Object.values(AccountEvents),
  ...Object.values(PasswordEvents),
  ...Object.values(PasskeyEvents),
  RecoveryCodeEvents.Used,
  OtpEvents.Locked,
];

/**
 * Records every security event of an existing account (`GET /account/activity`): the time, the
 * event, and the browser and network when the event names them. Never a code, a password, a token
 * or a session id: only those fields are read from the payloads.
 */
@Injectable()
export class ActivityListener implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Activity');
  /** Records being written: a process that stops right after an event (a command line) still keeps it. */
  private readonly writing = new Set<Promise<void>>();

  constructor(
    protected readonly store: AccountStore,
    protected readonly users: UserStore,
    @Optional() protected readonly events?: EventEmitter2,
  ) {}

  // One listener per name, added by hand: `@OnEvent` does not tell a handler which event it got.
  onModuleInit() {
    for (const name of EVENTS)
      this.events?.on(name, (payload: Record<string, unknown>) => {
        const write = this.add(name, payload).finally(() => this.writing.delete(write));
        this.writing.add(write);
      });
  }

  /** Waits for the records being written (before the Redis client closes). */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.writing]);
  }

  /** Records one event (`name`) for the account the payload names. */
  async add(name: string, payload: Record<string, unknown>): Promise<void> {
    const email = [payload.email, payload.identifier, payload.subject].find((v): v is string => typeof v === 'string');
    // A known device's own lock (`<email>#kd:<hash>`) is its owner's doing: not an account event.
    if (!email || email.includes('#')) return;
    try {
      // The emitter may already know whether the account exists (see `account` in the payloads).
      if (payload.account === false) return;
      if (payload.account !== true && !(await this.users.findByEmail(email))) return;
      const entry: ActivityEntry = {
        at: Date.now(),
        event: name,
        ...(typeof payload.device === 'string' ? { device: payload.device } : {}),
        ...(typeof payload.ip === 'string' ? { ip: payload.ip } : {}),
      };
      await this.store.addActivity(email, entry, ACTIVITY_KEEP, ACTIVITY_TTL_MS);
    } catch (err) {
      this.logger.warn(`Could not record ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
