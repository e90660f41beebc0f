import { Module } from '@nestjs/common';
import { AccountSecurityService } from './account-security.service.js';
import { AccountSessionsService } from './account-sessions.service.js';
import { SessionsController } from './sessions.controller.js';
import { SecurityNoticesListener } from './security-notices.listener.js';
import { SecurityPageInterceptor } from './security-page.interceptor.js';
import { SecurityController } from './security.controller.js';

/**
 * The signed-in person's own account pages: `GET /account/security` and its routes (authenticator
 * app, recovery codes), and the security notice mails. Needs AuthModule, TotpModule,
 * RecoveryCodesModule, MailModule and ViewModule.
 */
@Module({
  controllers: [SecurityController, SessionsController],
  providers: [AccountSecurityService, AccountSessionsService, SecurityNoticesListener, SecurityPageInterceptor],
  exports: [AccountSecurityService, AccountSessionsService],
})
export class AccountModule {}
