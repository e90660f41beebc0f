import { Module } from '@nestjs/common';
import { PasswordModeGuard } from './password-mode.guard.js';
import { PasswordController } from './password.controller.js';
import { PasswordResetService } from './password.service.js';

/**
 * Password reset and change, with their pages and notice mails (password mode). Needs AuthModule,
 * PasswordsModule (the password rules), OtpModule, MailModule, SessionModule and ViewModule.
 */
@Module({
  controllers: [PasswordController],
  providers: [PasswordResetService, PasswordModeGuard],
  exports: [PasswordResetService],
})
export class PasswordModule {}
