import { Module } from '@nestjs/common';
import { ConfigurableModuleClass, OTP_MODULE_OPTIONS } from './otp.module-definition.js';
import { otpProviders } from './otp.providers.js';
import { OtpStore } from './otp-store.js';
import { OtpService } from './otp.service.js';
import { OtpThrottleService } from './otp-throttle.service.js';

/**
 * One-time codes and the per-identifier limits around them.
 * `OtpModule.forRoot({ secret })` or `forRootAsync({ useFactory, inject })`.
 */
@Module({
  providers: [...otpProviders, OtpService, OtpThrottleService],
  exports: [OtpService, OtpThrottleService, OtpStore, OTP_MODULE_OPTIONS],
})
export class OtpModule extends ConfigurableModuleClass {}
