import { Injectable } from '@nestjs/common';
import { AccountSessionsService } from '../account/index.js';
import { knownDeviceSubject } from '../auth/index.js';
import { DeviceStore } from '../devices/index.js';
import { OtpThrottleService, type SubjectStatus } from '../otp/index.js';
import { AdminAudit } from './admin.audit.js';
import { type AdminEvent, AdminEvents, type AdminSessionsEndedEvent, type AdminUnlockedEvent } from './admin.events.js';

/** What `unlock` did. */
export interface UnlockResult {
  /** True when the identifier itself was locked. */
  wasLocked: boolean;
  /** Known browsers of the account whose own lock was ended too. */
  devicesUnlocked: number;
}

/** An identifier's limits, and its known browsers' own ones (`counters`). Counts and seconds only. */
export interface AccountCounters {
  identifier: SubjectStatus;
  /** The account's known browsers (each has a failure budget of its own): public id and name. */
  devices: { id: string; device: string; status: SubjectStatus }[];
}

/**
 * An operator's actions on one account, by its normalised address: each goes through the service
 * the app itself uses (the lock's store, "sign out everywhere"), and each is audited.
 */
@Injectable()
export class AdminAccountsService {
  constructor(
    protected readonly throttle: OtpThrottleService,
    protected readonly sessions: AccountSessionsService,
    protected readonly devices: DeviceStore,
    protected readonly audit: AdminAudit,
  ) {}

  /**
   * Ends the identifier's lock and forgets its failures, and those of the account's known
   * browsers: its next sign-in is checked as if it had never failed. The send budget stays.
   * @throws StoreUnavailableError
   */
  async unlock(email: string): Promise<UnlockResult> {
    const wasLocked = await this.throttle.unlock(email);
    let devicesUnlocked = 0;
    for (const { hash } of await this.knownDevices(email)) {
      if (await this.throttle.unlock(knownDeviceSubject(email, hash))) devicesUnlocked += 1;
    }
    this.audit.record<AdminUnlockedEvent>(
      AdminEvents.Unlocked,
      { email, wasLocked, devicesUnlocked },
      `${wasLocked ? 'lock ended' : 'was not locked'}, failures forgotten, ${devicesUnlocked} known browser lock(s) ended`,
    );
    return { wasLocked, devicesUnlocked };
  }

  /**
   * Ends every session of the account and forgets its trusted browsers, as "this wasn't me" does:
   * each browser is signed out at its next request, on every instance.
   * @returns how many sessions were ended. @throws StoreUnavailableError
   */
  async endSessions(email: string): Promise<number> {
    const sessions = await this.sessions.endAll(email);
    this.audit.record<AdminSessionsEndedEvent>(
      AdminEvents.SessionsEnded,
      { email, sessions },
      `${sessions} session(s) ended, trusted browsers forgotten`,
    );
    return sessions;
  }

  /** The identifier's lock, failures and send budget, and its known browsers'. @throws StoreUnavailableError */
  async counters(email: string): Promise<AccountCounters> {
    const identifier = await this.throttle.status(email);
    const devices = await Promise.all(
      (await this.knownDevices(email)).map(async ({ hash, record }) => ({
        id: record.id,
        device: record.device,
        status: await this.throttle.status(knownDeviceSubject(email, hash)),
      })),
    );
    this.audit.record<AdminEvent>(
      AdminEvents.CountersRead,
      { email },
      `${identifier.lockedSeconds > 0 ? 'locked' : 'not locked'}, ${identifier.failures} failure(s)`,
    );
    return { identifier, devices };
  }

  protected async knownDevices(email: string) {
    return (await this.devices.list(email)).filter((d) => d.record.kind === 'known');
  }
}
