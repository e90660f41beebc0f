import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AuthEvents, type SignedInEvent, UserStore } from '../auth/index.js';
import { type IdentifierLockedEvent, OtpEvents } from '../otp/index.js';
import { type PasskeyEvent, PasskeyEvents } from '../passkeys/index.js';
import { type PasswordEvent, PasswordEvents } from '../password/index.js';
import { RecoveryCodeEvents, type RecoveryCodeUsedEvent } from '../recovery-codes/index.js';
import { type NoticeContext, SecurityNotices } from './security-notices.service.js';

/**
 * Mails the owner on the events worth a notice: a sign-in from a browser the account did not know,
 * a password reset or change, a passkey added or removed, a recovery code used (with how many are
 * left), the identifier locked.
 * (Adding and removing the authenticator, and new recovery codes, are mailed by the account pages.)
 * A notice is only ever mailed to an existing account.
 */
@Injectable()
export class SecurityNoticesListener {
  private readonly logger = new Logger('SecurityNotices');

  constructor(
    protected readonly notices: SecurityNotices,
    protected readonly users: UserStore,
  ) {}

  @OnEvent(AuthEvents.SignedIn, { async: true, promisify: true, suppressErrors: true })
  async onSignedIn(e: SignedInEvent): Promise<void> {
    if (e.newBrowser) await this.send(e.email, 'newSignIn', { locales: e.locales ?? [], device: e.device, ip: e.ip });
  }

  @OnEvent(PasswordEvents.Reset, { async: true, promisify: true, suppressErrors: true })
  async onReset(e: PasswordEvent): Promise<void> {
    await this.send(e.email, 'passwordReset', e);
  }

  @OnEvent(PasswordEvents.Changed, { async: true, promisify: true, suppressErrors: true })
  async onChanged(e: PasswordEvent): Promise<void> {
    await this.send(e.email, 'passwordChanged', e);
  }

  @OnEvent(PasskeyEvents.Added, { async: true, promisify: true, suppressErrors: true })
  async onPasskeyAdded(e: PasskeyEvent): Promise<void> {
    // Its "this wasn't me" link also removes that passkey: it could sign in without the password.
    await this.send(e.email, 'passkeyAdded', { ...e, ref: e.id });
  }

  @OnEvent(PasskeyEvents.Removed, { async: true, promisify: true, suppressErrors: true })
  async onPasskeyRemoved(e: PasskeyEvent): Promise<void> {
    await this.send(e.email, 'passkeyRemoved', e);
  }

  @OnEvent(RecoveryCodeEvents.Used, { async: true, promisify: true, suppressErrors: true })
  async onRecoveryCodeUsed(e: RecoveryCodeUsedEvent): Promise<void> {
    await this.send(e.email, 'recoveryCodeUsed', {
      locales: e.locales,
      count: e.remaining,
      device: e.device,
      ip: e.ip,
    });
  }

  @OnEvent(OtpEvents.Locked, { async: true, promisify: true, suppressErrors: true })
  async onLocked(e: IdentifierLockedEvent): Promise<void> {
    // A known device's own lock is not the account's: its owner locked it, no notice.
    if (e.subject.includes('#')) return;
    if (await this.users.findByEmail(e.subject)) {
      await this.send(e.subject, 'locked', { locales: e.locales ?? [], device: e.device, ip: e.ip });
    }
  }

  protected async send(email: string, kind: string, context: NoticeContext): Promise<void> {
    try {
      await this.notices.send(email, kind, context);
    } catch (err) {
      this.logger.warn(`Could not send the ${kind} notice: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
