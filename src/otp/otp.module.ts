import { Global, Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './otp.module-definition.js';
import { otpProviders } from './otp.providers.js';
import { OtpStore } from './otp-store.js';
import { OtpService } from './otp.service.js';
import { OtpThrottleService } from './otp-throttle.service.js';

/**
 * One-time codes and the per-identifier limits around them.
 * `OtpModule.forRoot({ secret })` or `forRootAsync({ useFactory, inject })`.
 */
@Global()
@Module({
  providers: [...otpProviders, OtpService, OtpThrottleService],
  exports: [OtpService, OtpThrottleService, OtpStore],
})
export class OtpModule extends ConfigurableModuleClass {}
