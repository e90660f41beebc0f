import { Module } from '@nestjs/common';
import { ConfigurableModuleClass, TOTP_MODULE_OPTIONS } from './totp.module-definition.js';
import { TotpEnrolment } from './totp-enrolment.service.js';
import { TotpFactor } from './totp.factor.js';
import { totpProviders } from './totp.providers.js';
import { TotpService } from './totp.service.js';
import { TotpStore } from './totp-store.js';

/**
 * Authenticator apps (RFC 6238 TOTP) as a second factor: registers {@link TotpFactor} with the
 * sign-in flow, and gives {@link TotpEnrolment} to the account pages. Needs `AuthModule`.
 */
@Module({
  providers: [...totpProviders, TotpService, TotpFactor, TotpEnrolment],
  exports: [TotpService, TotpStore, TotpFactor, TotpEnrolment, TOTP_MODULE_OPTIONS],
})
export class TotpModule extends ConfigurableModuleClass {}
