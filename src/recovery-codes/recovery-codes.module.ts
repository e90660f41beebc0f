import { Module } from '@nestjs/common';
import { RecoveryCodeFactor } from './recovery-code.factor.js';
import { ConfigurableModuleClass, RECOVERY_CODES_MODULE_OPTIONS } from './recovery-codes.module-definition.js';
import { recoveryCodesProviders } from './recovery-codes.providers.js';
import { RecoveryCodesService } from './recovery-codes.service.js';
import { RecoveryCodeStore } from './recovery-code-store.js';

/**
 * Recovery codes as a backup second factor: registers {@link RecoveryCodeFactor} with the sign-in
 * flow, and gives {@link RecoveryCodesService} and the store to the account pages. Needs `AuthModule`.
 */
@Module({
  providers: [...recoveryCodesProviders, RecoveryCodeFactor],
  exports: [RecoveryCodesService, RecoveryCodeStore, RecoveryCodeFactor, RECOVERY_CODES_MODULE_OPTIONS],
})
export class RecoveryCodesModule extends ConfigurableModuleClass {}
