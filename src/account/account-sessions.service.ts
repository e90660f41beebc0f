import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DevicesService } from '../devices/index.js';
import { SessionService, type SessionHandle } from '../session/index.js';
import { SessionNotFoundError } from './account.errors.js';
import { AccountEvents, type SessionRevokedEvent } from './account.events.js';

/** One of the account's sessions, as its owner sees it (never the session id). */
export interface SessionView {
  /** A public id (an HMAC of the session id): what `DELETE /account/sessions/:id` takes. */
  id: string;
  /** True for the session making this request, and for this browser's own trusted entries. */
  current: boolean;
  createdAt: string;
  /** A session's last request (kept to the minute); a trusted browser's last sign-in (`DeviceRecord.lastUsedAt`). */
  lastSeenAt: string;
  /** e.g. `Firefox on Linux`. */
  device: string;
  /** The address's network, e.g. `203.0.113.0/24`. */
  ip: string;
  /** True for a remembered browser (it skips the second factor), false for a signed-in session. */
  remembered: boolean;
  /** `session` (signed in now), `remembered` (skips the second factor) or `known` (signed in before). */
  kind: 'session' | 'remembered' | 'known';
}

/**
 * The account's signed-in sessions: listed with readable devices, and ended one by one or all but
 * this one. An ended session's record is deleted from the shared store, so it is signed out at its
 * very next request on every instance.
 */
@Injectable()
export class AccountSessionsService {
  constructor(
    protected readonly sessions: SessionService,
    @Optional() protected readonly events?: EventEmitter2,
    @Optional() protected readonly devices?: DevicesService,
  ) {}

  /**
   * The account's live sessions and trusted browsers: this session first, then this browser's
   * trusted entries, then the most recently seen.
   */
  async list(session: SessionHandle): Promise<SessionView[]> {
    const email = session.data.user!.email;
    const owned = await this.sessions.listOwned(email);
    const views: SessionView[] = owned.map(({ sid, publicId, data }) => ({
      id: publicId,
      current: sid === session.id,
      createdAt: new Date(data.createdAt ?? 0).toISOString(),
      lastSeenAt: new Date(data.seenAt ?? data.createdAt ?? 0).toISOString(),
      device: data.client?.device ?? 'Unknown browser',
      ip: data.client?.ip ?? 'unknown',
      remembered: false,
      kind: 'session' as const,
    }));
    const devices = (await this.devices?.listSeenFrom(session, email)) ?? [];
    for (const d of devices) {
      views.push({
        id: d.id,
        current: d.current,
        createdAt: new Date(d.createdAt).toISOString(),
        lastSeenAt: new Date(d.lastUsedAt ?? d.createdAt).toISOString(),
        device: d.device,
        ip: d.ip,
        remembered: d.kind === 'remembered',
        kind: d.kind,
      });
    }
    const rank = (v: SessionView) => (v.current ? (v.kind === 'session' ? 2 : 1) : 0);
    return views.sort((a, b) => rank(b) - rank(a) || b.lastSeenAt.localeCompare(a.lastSeenAt));
  }

  /**
   * Ends one session of the account by its public id (this one too: that signs it out).
   * @throws SessionNotFoundError when the account has no such live session.
   */
  async end(session: SessionHandle, publicId: string): Promise<void> {
    const email = session.data.user!.email;
    const target = (await this.sessions.listOwned(email)).find((s) => s.publicId === publicId);
    if (!target) {
      // A remembered or known browser: forgotten.
      const forgotten = await this.devices?.forget(email, publicId);
      if (!forgotten) throw new SessionNotFoundError();
      this.emitRevoked({ email, kind: forgotten.kind, count: 1 });
      return;
    }
    await this.sessions.endOwned(email, [target.sid]);
    this.emitRevoked({ email, kind: 'session', count: 1 });
  }

  /** Ends every session of the account but this one. @returns how many were ended. */
  async endOthers(session: SessionHandle): Promise<number> {
    const email = session.data.user!.email;
    const others = (await this.sessions.listOwned(email)).filter((s) => s.sid !== session.id).map((s) => s.sid);
    const count = await this.sessions.endOwned(email, others);
    if (count) this.emitRevoked({ email, kind: 'session', count });
    return count;
  }

  /**
   * Ends every session of an account and forgets its trusted browsers ("this wasn't me").
   * @returns how many sessions were ended.
   */
  async endAll(email: string): Promise<number> {
    const all = (await this.sessions.listOwned(email)).map((s) => s.sid);
    const count = await this.sessions.endOwned(email, all);
    await this.devices?.forgetAll(email);
    if (count) this.emitRevoked({ email, kind: 'session', count });
    return count;
  }

  protected emitRevoked(event: SessionRevokedEvent): void {
    this.events?.emit(AccountEvents.SessionRevoked, event);
  }
}
