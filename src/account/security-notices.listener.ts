import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { RecoveryCodeEvents, type RecoveryCodeUsedEvent } from '../recovery-codes/index.js';
import { AccountSecurityService } from './account-security.service.js';

/** Mails the owner when a recovery code was used, with how many are left. */
@Injectable()
export class SecurityNoticesListener {
  constructor(protected readonly security: AccountSecurityService) {}

  @OnEvent(RecoveryCodeEvents.Used)
  onRecoveryCodeUsed(event: RecoveryCodeUsedEvent): void {
    this.security.notify(event.email, 'recoveryCodeUsed', event.locales, { count: event.remaining });
  }
}
