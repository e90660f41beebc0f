import { Inject, Injectable } from '@nestjs/common';
import type { SecretBox } from '../crypto/index.js';
import { InjectTotpOptions, type TotpModuleOptions } from './totp.module-definition.js';
import { TOTP_SECRET_BOX } from './totp.providers.js';
import { TotpService } from './totp.service.js';
import { TotpStore } from './totp-store.js';
import { TOTP_ENROLMENT_TTL_SECONDS } from './totp.types.js';

/** A new authenticator waiting for its first code: what the person scans or types. */
export interface TotpSetup {
  /** Base32 secret (160 bits), for typing into the app. */
  secret: string;
  /** `otpauth://totp/...` URI. */
  otpauthUrl: string;
  /** The URI as an SVG QR code. */
  qrSvg: string;
}

/** The confirming code did not match the pending secret (or none is pending). */
export class TotpConfirmationError extends Error {
  override name = 'TotpConfirmationError';
  constructor(readonly expired: boolean) {
    super(expired ? 'There is no authenticator waiting for confirmation; start again' : 'The code is not correct');
  }
}

/**
 * Adds and removes an account's authenticator app. A new secret is sealed (AES-256-GCM, bound to
 * the account) and waits 10 minutes for a code that proves the app has it; only then does it
 * become the account's, with that code's time step already spent.
 */
@Injectable()
export class TotpEnrolment {
  constructor(
    @InjectTotpOptions() protected readonly options: TotpModuleOptions,
    protected readonly totp: TotpService,
    protected readonly store: TotpStore,
    @Inject(TOTP_SECRET_BOX) protected readonly box: SecretBox,
  ) {}

  /** Starts enrolment (replacing one in progress for the account). */
  async setup(email: string): Promise<TotpSetup> {
    const secret = this.totp.generateSecret();
    await this.store.savePending(this.pendingId(email), this.box.seal(secret, email), TOTP_ENROLMENT_TTL_SECONDS);
    const otpauthUrl = this.totp.otpauthUrl(secret, email, this.options.issuer ?? 'Sign-in');
    return { secret, otpauthUrl, qrSvg: await this.totp.qrSvg(otpauthUrl) };
  }

  /**
   * Confirms the pending secret with a code from the app; it then replaces any authenticator the
   * account had. A wrong code leaves the secret pending for another try.
   * @throws TotpConfirmationError
   */
  async confirm(email: string, code: string): Promise<void> {
    const id = this.pendingId(email);
    const sealed = await this.store.takePending(id);
    if (!sealed) throw new TotpConfirmationError(true);
    const step = this.totp.matchStep(this.box.open(sealed, email), code);
    if (step === null) {
      // Guessing the code of one's own new secret gains nothing: it may be tried again.
      await this.store.savePending(id, sealed, TOTP_ENROLMENT_TTL_SECONDS);
      throw new TotpConfirmationError(false);
    }
    await this.store.save(email, { sealedSecret: sealed, createdAt: Date.now(), lastStep: step });
  }

  /** Removes the account's authenticator; false when it had none. */
  remove(email: string): Promise<boolean> {
    return this.store.remove(email);
  }

  /** True when the account has an authenticator. */
  async isEnabled(email: string): Promise<boolean> {
    return (await this.store.get(email)) !== null;
  }

  protected pendingId(email: string): string {
    return `enrol:${email}`;
  }
}
