import { Module } from '@nestjs/common';
import { AccountController } from './account.controller.js';
import { AuthGuard } from './auth.guard.js';
import { ConfigurableModuleClass, AUTH_MODULE_OPTIONS } from './auth.module-definition.js';
import { userStoreProvider } from './auth.providers.js';
import { ChallengeService } from './challenge.service.js';
import { CodeDeliveryService } from './code-delivery.service.js';
import { PasswordService } from './password.service.js';
import { RegisterController } from './register.controller.js';
import { RegistrationOpenGuard } from './registration-open.guard.js';
import { SignInController } from './sign-in.controller.js';
import { SignInService } from './sign-in.service.js';
import { UserStore } from './users/user-store.js';
import { VerifyController } from './verify.controller.js';
import { UndeliveredCodeListener } from './undelivered-code.listener.js';
import { VerifyPageInterceptor } from './verify-page.interceptor.js';

/**
 * Sign-in with a password and an emailed code (or the code alone), its pages and routes, and
 * {@link AuthGuard} for the host app's own controllers. Needs OtpModule, MailModule,
 * SessionModule, SecurityModule, ViewModule and WebModule in the app.
 */
@Module({
  controllers: [SignInController, VerifyController, RegisterController, AccountController],
  providers: [
    userStoreProvider,
    PasswordService,
    CodeDeliveryService,
    SignInService,
    ChallengeService,
    AuthGuard,
    RegistrationOpenGuard,
    VerifyPageInterceptor,
    UndeliveredCodeListener,
  ],
  exports: [AuthGuard, UserStore, PasswordService, SignInService, ChallengeService, AUTH_MODULE_OPTIONS],
})
export class AuthModule extends ConfigurableModuleClass {}
