import { Module, type OnModuleInit } from '@nestjs/common';
import { Clock, SystemClock } from '../clock/index.js';
import { SessionFields } from '../session/index.js';
import { AuthGuard } from './auth.guard.js';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions, ConfigurableModuleClass } from './auth.module-definition.js';
import { userStoreProvider } from './auth.providers.js';
import { registerAuthSessionFields } from './auth-session.js';
import { ChallengeService } from './challenge.service.js';
import { EmailCodeService } from './email-code.service.js';
import { FactorRegistry } from './factors/index.js';
import { HomeController } from './home.controller.js';
import { PasswordHold } from './password-hold.js';
import { PasswordService } from './password.service.js';
import { RegisterController } from './register.controller.js';
import { RegistrationOpenGuard } from './registration-open.guard.js';
import { SignInFlow } from './sign-in-flow.service.js';
import { SignInController } from './sign-in.controller.js';
import { SignInService } from './sign-in.service.js';
import { StepUpController } from './step-up.controller.js';
import { StepUpService } from './step-up.service.js';
import { UndeliveredCodeListener } from './undelivered-code.listener.js';
import { UserStore } from './users/user-store.js';
import { VerifyController } from './verify.controller.js';
import { VerifyPageInterceptor } from './verify-page.interceptor.js';

/**
 * Sign-in with a password or an emailed code, then the account's second factor when it has one;
 * step-up; its pages and routes; and {@link AuthGuard}, `@CurrentUser()`, `@RequireAal`,
 * `@FreshAuth` for the host app's own controllers. Second factors plug in through
 * {@link FactorRegistry} (`TotpModule`, `RecoveryCodesModule`). Needs OtpModule, MailModule,
 * SessionModule, SecurityModule and ViewModule in the app.
 */
@Module({
  // Express tries routes in the order they are registered: the most requested pages first.
  controllers: [HomeController, SignInController, VerifyController, RegisterController, StepUpController],
  providers: [
    userStoreProvider,
    {
      provide: Clock,
      useFactory: (o: AuthModuleOptions) => o.clock ?? new SystemClock(),
      inject: [AUTH_MODULE_OPTIONS],
    },
    FactorRegistry,
    PasswordService,
    PasswordHold,
    EmailCodeService,
    SignInFlow,
    SignInService,
    ChallengeService,
    StepUpService,
    AuthGuard,
    RegistrationOpenGuard,
    VerifyPageInterceptor,
    UndeliveredCodeListener,
  ],
  exports: [
    AuthGuard,
    UserStore,
    Clock,
    FactorRegistry,
    PasswordService,
    PasswordHold,
    SignInService,
    SignInFlow,
    ChallengeService,
    StepUpService,
    EmailCodeService,
    AUTH_MODULE_OPTIONS,
  ],
})
export class AuthModule extends ConfigurableModuleClass implements OnModuleInit {
  constructor(private readonly sessionFields: SessionFields) {
    super();
  }

  onModuleInit() {
    registerAuthSessionFields(this.sessionFields);
  }
}
