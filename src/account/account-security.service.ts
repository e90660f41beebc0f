import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { FactorRegistry, SignInFlow } from '../auth/index.js';
import { DevicesService } from '../devices/index.js';
import { clientInfo } from '../http/index.js';
import { PasskeyRegistration, type PasskeyView } from '../passkeys/index.js';
import { RecoveryCodesService, RecoveryCodeStore } from '../recovery-codes/index.js';
import type { SessionHandle } from '../session/index.js';
import { TotpEnrolment, type TotpSetup } from '../totp/index.js';
import { NoAuthenticatorError, TotpAlreadyEnabledError } from './account.errors.js';
import { type AccountEvent, AccountEvents } from './account.events.js';
import { SecurityNotices } from './security-notices.service.js';

/** What the security page shows of an account. */
export interface SecurityState {
  totp: boolean;
  recoveryCodesLeft: number;
  /** The account's passkeys, oldest first. */
  passkeys: PasskeyView[];
  /** True when the account has a primary second factor (an authenticator app or a passkey). */
  secondFactor: boolean;
}

/**
 * The account's second factors, managed by its owner: add, confirm and remove the authenticator
 * app, make new recovery codes (passkeys: {@link AccountPasskeysService}). Each change mails the
 * owner a notice.
 */
@Injectable()
export class AccountSecurityService {
  constructor(
    protected readonly totp: TotpEnrolment,
    protected readonly recoveryCodes: RecoveryCodesService,
    protected readonly recoveryStore: RecoveryCodeStore,
    protected readonly flow: SignInFlow,
    protected readonly notices: SecurityNotices,
    protected readonly factors: FactorRegistry,
    protected readonly passkeys: PasskeyRegistration,
    @Optional() protected readonly events?: EventEmitter2,
    @Optional() protected readonly devices?: DevicesService,
  ) {}

  async state(email: string): Promise<SecurityState> {
    const [totp, recoveryCodesLeft, passkeys] = await Promise.all([
      this.totp.isEnabled(email),
      this.recoveryStore.count(email),
      this.passkeys.list(email),
    ]);
    return { totp, recoveryCodesLeft, passkeys, secondFactor: totp || passkeys.length > 0 };
  }

  /**
   * After a primary second factor was removed: with none left, the recovery codes that stood in for
   * it go too (kept, they would come back to life with the next factor added).
   */
  async dropOrphanCodes(email: string): Promise<void> {
    if (!(await this.factors.enrolled(email)).length) await this.recoveryStore.remove(email);
  }

  /**
   * A new authenticator secret, waiting 10 minutes for its first code.
   * @throws TotpAlreadyEnabledError when the account has one: replacing it would void the owner's
   *   app and recovery codes, so it must be removed first (which needs a fresh second factor).
   */
  async setup(email: string): Promise<TotpSetup> {
    if (await this.totp.isEnabled(email)) throw new TotpAlreadyEnabledError();
    return this.totp.setup(email);
  }

  /**
   * Confirms the new authenticator with its first code, makes the first recovery codes (shown
   * once), and counts `totp` for this session.
   * @returns the recovery codes, grouped for reading (`xxxxx-xxxxx`).
   * @throws TotpConfirmationError
   */
  async confirm(session: SessionHandle, code: string, locales: readonly string[]): Promise<string[]> {
    const email = session.data.user!.email;
    await this.totp.confirm(email, code);
    const codes = await this.replaceCodes(email);
    await this.flow.recordFactor(session, 'totp');
    // A change of second factors forgets remembered browsers: each must pass the new one.
    await this.devices?.forgetAll(email, 'remembered');
    await this.notify(session, 'totpEnabled', locales);
    this.events?.emit(AccountEvents.TotpEnabled, { email } satisfies AccountEvent);
    return codes;
  }

  /** Removes the authenticator, and the recovery codes when no passkey stands beside it. */
  async disable(session: SessionHandle, locales: readonly string[]): Promise<void> {
    const email = session.data.user!.email;
    const client = clientInfo(session.userAgent, session.ip);
    const removed = await this.totp.remove(email);
    await this.dropOrphanCodes(email);
    if (!removed) return;
    await this.devices?.forgetAll(email, 'remembered');
    await this.notices.send(email, 'totpDisabled', { locales, ...client });
    this.events?.emit(AccountEvents.TotpDisabled, { email } satisfies AccountEvent);
  }

  /**
   * A new set of recovery codes; the previous set stops working.
   * @throws NoAuthenticatorError when the account has neither an authenticator app nor a passkey.
   */
  async regenerate(session: SessionHandle, locales: readonly string[]): Promise<string[]> {
    const email = session.data.user!.email;
    const client = clientInfo(session.userAgent, session.ip);
    if (!(await this.factors.enrolled(email)).length) throw new NoAuthenticatorError();
    const codes = await this.replaceCodes(email);
    await this.devices?.forgetAll(email, 'remembered');
    await this.notices.send(email, 'recoveryCodesCreated', { locales, ...client });
    this.events?.emit(AccountEvents.RecoveryCodesCreated, { email } satisfies AccountEvent);
    return codes;
  }

  /** Mails a security notice about what this session just did. */
  protected async notify(session: SessionHandle, kind: string, locales: readonly string[]): Promise<void> {
    const client = clientInfo(session.userAgent, session.ip);
    await this.notices.send(session.data.user!.email, kind, { locales, ...client });
  }

  protected async replaceCodes(email: string): Promise<string[]> {
    const set = this.recoveryCodes.generate();
    await this.recoveryStore.replace(email, set.hashes);
    return set.codes;
  }
}
