import { Module } from '@nestjs/common';
import { AccountPasskeysService } from './account-passkeys.service.js';
import { AccountSecurityService } from './account-security.service.js';
import { AccountStore } from './account-store.js';
import { accountStoreProvider } from './account.providers.js';
import { ActivityController } from './activity.controller.js';
import { ActivityListener } from './activity.listener.js';
import { NotMeController } from './not-me.controller.js';
import { PasskeysController } from './passkeys.controller.js';
import { NotMeService } from './not-me.service.js';
import { SecurityNotices } from './security-notices.service.js';
import { AccountSessionsService } from './account-sessions.service.js';
import { SessionsController } from './sessions.controller.js';
import { SecurityNoticesListener } from './security-notices.listener.js';
import { SecurityPageInterceptor } from './security-page.interceptor.js';
import { SecurityController } from './security.controller.js';

/**
 * The signed-in person's own account pages: `GET /account/security` and its routes (authenticator
 * app, recovery codes, passkeys), and the security notice mails. Needs AuthModule, TotpModule,
 * RecoveryCodesModule, PasskeysModule, MailModule and ViewModule.
 */
@Module({
  controllers: [SecurityController, PasskeysController, SessionsController, NotMeController, ActivityController],
  providers: [
    accountStoreProvider,
    AccountSecurityService,
    AccountPasskeysService,
    AccountSessionsService,
    SecurityNotices,
    NotMeService,
    SecurityNoticesListener,
    ActivityListener,
    SecurityPageInterceptor,
  ],
  exports: [
    AccountSecurityService,
    AccountPasskeysService,
    AccountSessionsService,
    SecurityNotices,
    NotMeService,
    AccountStore,
  ],
})
export class AccountModule {}
