export { AuthModule } from './auth.module.js';
export {
  type AuthModuleOptions,
  AUTH_MODULE_OPTIONS,
  InjectAuthOptions,
  DEFAULT_AAL2_FACTORS,
} from './auth.module-definition.js';
export { AuthGuard, isSignedIn, isLocalPath } from './auth.guard.js';
export { CurrentUser } from './current-user.decorator.js';
export { RequireAal, FreshAuth, REQUIRE_AAL, FRESH_AUTH } from './step-up.decorators.js';
export { type FactorId, type SessionUser, type PendingSignIn, type PendingStep, assurance } from './auth-session.js';
export { SecondFactor, type FactorCheck, FactorRegistry } from './factors/index.js';
export { UserStore } from './users/user-store.js';
export { RedisUserStore } from './users/redis-user.store.js';
export { MemoryUserStore } from './users/memory-user.store.js';
export type { User } from './users/user.types.js';
export { PasswordService } from './password.service.js';
export { PasswordHold } from './password-hold.js';
export { SignInService, type FirstFactorInput } from './sign-in.service.js';
export {
  SignInFlow,
  knownDeviceSubject,
  type CodeSent,
  type SecondFactorRequired,
  type Authenticated,
} from './sign-in-flow.service.js';
export { ChallengeService, type PendingView, type VerifyInput } from './challenge.service.js';
export { StepUpService } from './step-up.service.js';
export { EmailCodeService, type Decoy, challengeOfTag } from './email-code.service.js';
export { parseEmail } from './dto/email.transform.js';
export * from './auth.errors.js';
export * from './auth.events.js';
