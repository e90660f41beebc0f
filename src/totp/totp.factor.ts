import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type FactorCheck, FactorRegistry, SecondFactor } from '../auth/index.js';
import type { SecretBox } from '../crypto/index.js';
import { TOTP_SECRET_BOX } from './totp.providers.js';
import { TotpService } from './totp.service.js';
import { TotpStore } from './totp-store.js';

/**
 * The authenticator app as a second factor (`totp`, primary: an account that has one must pass it,
 * or a recovery code, at every sign-in). A code is accepted within one 30-second step either side,
 * and once only: its step, and every earlier one, is then refused (RFC 6238 §5.2).
 */
@Injectable()
export class TotpFactor extends SecondFactor implements OnModuleInit {
  readonly id = 'totp';
  readonly kind = 'primary';
  readonly field = 'code';

  constructor(
    protected readonly totp: TotpService,
    protected readonly store: TotpStore,
    @Inject(TOTP_SECRET_BOX) protected readonly box: SecretBox,
    protected readonly registry: FactorRegistry,
  ) {
    super();
  }

  onModuleInit() {
    this.registry.register(this);
  }

  isWellFormed(answer: string): boolean {
    return /^\d{6}$/.test(answer);
  }

  async isEnrolled(identifier: string): Promise<boolean> {
    return (await this.store.get(identifier)) !== null;
  }

  async verify(check: FactorCheck, answer: string): Promise<boolean> {
    const credential = await this.store.get(check.identifier);
    if (!credential) return false;
    const step = this.totp.matchStep(this.box.open(credential.sealedSecret, check.identifier), answer);
    if (step === null) return false;
    return this.store.acceptStep(check.identifier, step);
  }
}
