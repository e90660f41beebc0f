import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { SessionHandle } from '../session/index.js';
import { type DeviceKind, type DeviceRecord, DeviceStore } from './device-store.js';
import { type DevicesModuleOptions, InjectDevicesOptions } from './devices.module-definition.js';

const DAY_MS = 86_400_000;
const TOKEN = /^[\w-]{43}$/;

/** A browser presenting a device cookie that its account trusts. */
export interface FoundDevice {
  hash: string;
  record: DeviceRecord;
}

/**
 * Browsers an account trusts, each by a cookie holding a random 256-bit token of which the server
 * keeps only the SHA-256: `remembered` (skips the second factor, for `rememberDays`) and `known`
 * (has fully signed in before: not held by the identifier's lock). A token is bound to its account,
 * and rotated on each use, so a copied cookie works once at most and never after a rotation.
 */
@Injectable()
export class DevicesService {
  constructor(
    @InjectDevicesOptions() protected readonly options: DevicesModuleOptions,
    protected readonly store: DeviceStore,
  ) {}

  /** True when browsers may be remembered (`rememberDays` > 0). */
  get rememberEnabled(): boolean {
    return this.options.rememberDays > 0;
  }

  /** The cookie of a kind (`__Host-` prefixed on https). */
  cookieName(kind: DeviceKind): string {
    const name = kind === 'remembered' ? 'rd' : 'kd';
    return this.options.secure ? `__Host-${name}` : name;
  }

  /** The trusted device of `kind` this browser presents for `email`, or null (a bad cookie is none). */
  async find(session: SessionHandle, kind: DeviceKind, email: string): Promise<FoundDevice | null> {
    const hash = this.presented(session, kind);
    if (!hash) return null;
    const record = await this.store.get(hash);
    return record && record.email === email && record.kind === kind ? { hash, record } : null;
  }

  /**
   * Trusts this browser for `email` (a new token in its cookie), or renews the trust it has: the
   * previous token stops working.
   */
  async trust(
    session: SessionHandle,
    kind: DeviceKind,
    email: string,
    client: { device: string; ip: string },
  ): Promise<DeviceRecord | null> {
    if (kind === 'remembered' && !this.rememberEnabled) return null;
    const current = await this.find(session, kind, email);
    const previous = current ? await this.store.take(current.hash) : null;
    return this.issue(session, kind, email, client, previous);
  }

  /**
   * Uses a trusted device: its token is taken (atomically) and a new one issued, so one cookie
   * value works once. @returns the device, or null when this browser presents none (or another
   * browser used the same copied token first).
   */
  async use(session: SessionHandle, kind: DeviceKind, email: string): Promise<DeviceRecord | null> {
    const found = await this.find(session, kind, email);
    const taken = found ? await this.store.take(found.hash) : null;
    if (!taken) return null;
    return this.issue(session, kind, email, taken, taken);
  }

  protected async issue(
    session: SessionHandle,
    kind: DeviceKind,
    email: string,
    client: { device: string; ip: string },
    previous: DeviceRecord | null,
  ): Promise<DeviceRecord> {
    const now = Date.now();
    const days = kind === 'remembered' ? this.options.rememberDays : (this.options.knownDays ?? 180);
    const token = randomBytes(32).toString('base64url');
    const record: DeviceRecord = {
      id: previous?.id ?? randomBytes(12).toString('base64url'),
      email,
      kind,
      createdAt: previous?.createdAt ?? now,
      expiresAt: now + days * DAY_MS,
      // Each trust and use issues a new token: the time of that is the device's last use.
      lastUsedAt: now,
      device: client.device,
      ip: client.ip,
    };
    await this.store.save(this.hash(token), record);
    session.setCookie(this.cookieName(kind), token, {
      httpOnly: true,
      secure: this.options.secure,
      sameSite: 'lax',
      path: '/',
      maxAge: days * DAY_MS,
    });
    return record;
  }

  /** The account's trusted browsers. */
  async list(email: string): Promise<DeviceRecord[]> {
    return (await this.store.list(email)).map((d) => d.record);
  }

  /** The account's trusted browsers, each with `current` true when it is this browser (it holds its cookie). */
  async listSeenFrom(session: SessionHandle, email: string): Promise<(DeviceRecord & { current: boolean })[]> {
    const own = new Set([this.presented(session, 'remembered'), this.presented(session, 'known')]);
    return (await this.store.list(email)).map((d) => ({ ...d.record, current: own.has(d.hash) }));
  }

  /** Forgets one device by its public id. @returns the device forgotten, or null when the account has none with it. */
  async forget(email: string, id: string): Promise<DeviceRecord | null> {
    const target = (await this.store.list(email)).find((d) => d.record.id === id);
    if (!target) return null;
    await this.store.remove(email, [target.hash]);
    return target.record;
  }

  /** Forgets every device of the account, of one kind or of both. @returns how many. */
  async forgetAll(email: string, kind?: DeviceKind): Promise<number> {
    const all = (await this.store.list(email)).filter((d) => !kind || d.record.kind === kind);
    await this.store.remove(
      email,
      all.map((d) => d.hash),
    );
    return all.length;
  }

  /** The hash of the token of `kind` this browser's cookie holds, or null (none, or not a token). */
  protected presented(session: SessionHandle, kind: DeviceKind): string | null {
    if (kind === 'remembered' && !this.rememberEnabled) return null;
    const token = session.cookie(this.cookieName(kind));
    return token && TOKEN.test(token) ? this.hash(token) : null;
  }

  protected hash(token: string): string {
    // The token has 256 bits: a plain hash cannot be reversed, and needs no key.
    return createHash('sha256').update(token).digest('base64url');
  }
}
