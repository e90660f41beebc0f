import { Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { type FactorCheck, FactorRegistry, SecondFactor } from '../auth/index.js';
import { RecoveryCodeEvents, type RecoveryCodeUsedEvent } from './recovery-codes.events.js';
import { RecoveryCodesService } from './recovery-codes.service.js';
import { RecoveryCodeStore } from './recovery-code-store.js';

/**
 * Recovery codes as a second factor (`recovery_code`, backup: accepted in place of the account's
 * authenticator, never required by itself). Each code works once, even under parallel use; spaces,
 * dashes, case and look-alike letters are forgiven. A use emits {@link RecoveryCodeEvents.Used}.
 */
@Injectable()
export class RecoveryCodeFactor extends SecondFactor implements OnModuleInit {
  readonly id = 'recovery_code';
  readonly kind = 'backup';
  readonly field = 'recoveryCode';

  constructor(
    protected readonly codes: RecoveryCodesService,
    protected readonly store: RecoveryCodeStore,
    protected readonly registry: FactorRegistry,
    @Optional() protected readonly events?: EventEmitter2,
  ) {
    super();
  }

  onModuleInit() {
    this.registry.register(this);
  }

  isWellFormed(answer: string): boolean {
    return this.codes.normalize(answer) !== null;
  }

  async isEnrolled(identifier: string): Promise<boolean> {
    return (await this.store.count(identifier)) > 0;
  }

  async verify(check: FactorCheck, answer: string): Promise<boolean> {
    const hash = this.codes.hashInput(answer);
    if (!hash) return false;
    const remaining = await this.store.consume(check.identifier, hash);
    if (remaining === null) return false;
    this.events?.emit(RecoveryCodeEvents.Used, {
      email: check.identifier,
      remaining,
      locales: check.locales ?? [],
      device: check.device,
      ip: check.ip,
    } satisfies RecoveryCodeUsedEvent);
    return true;
  }
}
